import { fileURLToPath } from 'node:url';
import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { duplicates, expectOpsAccounted, providerStates, waitComplete } from '@contact-sync/testkit/faults/support';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from './child-worker.ts';

/*
 * Issue 17, clock skew between processes. The worker runs in its own process with its clock
 * 2 h ahead (`skewed-clock.ts` preloaded) of the process that starts the resyncs, with a
 * sweep every 300 ms, ChurchPad slow to list. Every comparison the engine makes must come
 * from Postgres's clock and "are this resync's pulls done" from its pull runs' states, not
 * their age: otherwise the start-up and sweep reconciles plan on half the picture while
 * ChurchPad is still being pulled, and ChurchPad's creates land on people it already holds.
 */
const SKEW_MS = 2 * 3600_000;
const SKEWED_CLOCK = fileURLToPath(new URL('./skewed-clock.ts', import.meta.url));
const db = await createTestDatabase();
let driver: Stack | undefined;
let worker: ChildWorker | undefined;
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await driver?.close();
});

describe('a worker whose clock is 2 h ahead of the process that started the resync', () => {
  it('reconciles once the pulls ended: no duplicate, the run closed by the worker', async () => {
    const sandbox = await startSandbox({
      port: 0,
      seed: 31,
      contacts: 150,
      faults: { churchpad: { latencyMs: 1500 } },
    });
    const initial = providerStates(sandbox);
    driver = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandbox,
      startConsumers: false,
    });
    worker = await spawnWorker({
      config: driver.config,
      env: driver.env,
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      nodeArgs: ['--import', SKEWED_CLOCK],
      extraEnv: { CONTACT_SYNC_TEST_CLOCK_SKEW_MS: String(SKEW_MS), CONTACT_SYNC_SWEEP_MS: '300' },
    });
    for (let i = 0; i < 2; i++) {
      const run = await startResync(driver.res, { full: true });
      // Generous: on a loaded 2-core machine a pull attempt can time out and wait out its backoff.
      await waitComplete(driver.res.prisma, run.id, 240_000);
    }
    const actual = providerStates(sandbox);
    expect(duplicates(initial, actual)).toEqual([]);
    await expectOpsAccounted(driver.res.prisma);
    await worker.kill('SIGTERM');
    worker = undefined;
    await sandbox.stop();
  }, 360_000);
});
