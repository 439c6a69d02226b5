import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { divergences } from '@contact-sync/testkit/convergence';
import { duplicates, expectOpsAccounted, providerStates } from '@contact-sync/testkit/faults/support';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from './child-worker.ts';

/*
 * Issue 6: the main end-to-end scenario with two worker processes consuming the same
 * queues at once. Guards the cross-process rules: pulls and reconciles are globally one at a
 * time (BullMQ global concurrency), an op is claimed by one process only (claimOp's
 * conditional UPDATE), and job ids make enqueueing idempotent. Without them, two
 * reconcilers plan the same person twice (duplicate creates) or two pushers apply one op
 * twice (duplicates, writes on the second resync).
 */
const db = await createTestDatabase();
let driver: Stack | undefined;
const workers: ChildWorker[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await driver?.close();
});

const jobsDone = (w: ChildWorker) => w.lines.filter((l) => l.includes('"job done"')).length;

describe('two worker processes at once', () => {
  it('converge, make no duplicate, and write nothing on a second resync', async () => {
    const sandbox = await startSandbox({ timeScale: DEFAULT_TEST_TIME_SCALE, port: 0, seed: 11, contacts: 60 });
    const initial = providerStates(sandbox);
    driver = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandbox,
      startConsumers: false,
    });
    for (let i = 0; i < 2; i++)
      workers.push(
        await spawnWorker({
          config: driver.config,
          env: driver.env,
          databaseUrl: db.databaseUrl,
          redisUrl: db.redisUrl,
          prefix: db.redisPrefix,
          logLevel: 'debug',
        }),
      );

    const first = await driver.sync({ timeoutMs: 120_000 });
    expect(first.run.opsPlanned).toBeGreaterThan(0);
    expect(sandbox.writeCount()).toBeGreaterThan(0);
    expect(duplicates(initial, providerStates(sandbox))).toEqual([]);
    await expectOpsAccounted(driver.res.prisma);

    sandbox.clearRequests();
    const second = await driver.sync({ timeoutMs: 120_000 });
    expect(sandbox.writeCount()).toBe(0);
    expect(second.run.opsPlanned).toBe(0);
    expect(await divergences(driver.res)).toEqual([]);

    // An edit in one provider reaches the others through whichever process takes the jobs.
    const link = await driver.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    });
    const grow = await driver.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    sandbox.sim.churchpad.update(link.externalId, { first_name: 'Zebedee' });
    await driver.sync({ timeoutMs: 120_000 });
    expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Zebedee');
    sandbox.clearRequests();
    await driver.sync({ timeoutMs: 120_000 });
    expect(sandbox.writeCount()).toBe(0);
    expect(duplicates(initial, providerStates(sandbox))).toEqual([]);

    // Both processes took jobs (otherwise this test would prove nothing about two workers).
    expect(workers.map(jobsDone).every((n) => n > 0)).toBe(true);
    for (const w of workers.splice(0)) expect((await w.kill('SIGTERM')).code).toBe(0);
    await sandbox.stop();
  }, 300_000);
});
