import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { allOps } from '@contact-sync/store';
import { divergences } from '@contact-sync/testkit/convergence';
import {
  diffExplained,
  divergenceSummary,
  duplicates,
  expectOpsAccounted,
  prng,
  providerStates,
  type ReferenceRun,
  referenceRun,
  sleep,
  waitComplete,
} from '@contact-sync/testkit/faults/support';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from './child-worker.ts';

/*
 * Issue 6/10 crash test. The worker runs as a child process (node bin.ts) with ghost writes
 * on (a write is applied, its answer lost); it is SIGKILLed at random points of a sync and
 * restarted, several times. The end state must equal an undisturbed run of the same seed.
 *
 * What it guards: the outbox (ops are Postgres rows written with the reconcile batch, and
 * re-enqueued at start-up), op claiming, and create adoption by natural key after an
 * unknown outcome. Without adoption a ghost-written or killed create is created twice
 * (a duplicate e-mail, a state diff); without re-enqueueing, ops stay pending forever
 * (the run never completes); without the single reconcile cursor transaction, links or
 * ops are lost or doubled.
 */
const SEED = 23;
const CONTACTS = 50;
const refDb = await createTestDatabase();
const db = await createTestDatabase();
let reference: ReferenceRun;
let driver: Stack | undefined;
let worker: ChildWorker | undefined;

beforeAll(async () => {
  reference = await referenceRun({
    databaseUrl: refDb.databaseUrl,
    redisUrl: refDb.redisUrl,
    prefix: refDb.redisPrefix,
    sandboxOptions: { seed: SEED, contacts: CONTACTS },
  });
}, 180_000);
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await driver?.close();
});

describe('a worker process killed with SIGKILL during a sync', () => {
  it('ends in the same state as an undisturbed run, with no duplicate and every op accounted for', async () => {
    const sandbox = await startSandbox({
      timeScale: DEFAULT_TEST_TIME_SCALE,
      port: 0,
      seed: SEED,
      contacts: CONTACTS,
      faults: { ghostWrite: 0.05 },
    });
    // The driver only enqueues resyncs and reads progress; the child processes do the work.
    driver = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandbox,
      startConsumers: false,
    });
    const spawnOne = () =>
      spawnWorker({
        config: driver!.config,
        env: driver!.env,
        databaseUrl: db.databaseUrl,
        redisUrl: db.redisUrl,
        prefix: db.redisPrefix,
      });
    const rnd = prng(SEED);
    worker = await spawnOne();
    const run = await startResync(driver.res, { full: true });
    // Kill points: once early (during the pulls), then at random write counts of the push phase.
    const points = [0, 1, 2].map(() => 1 + Math.floor(rnd() * Math.max(1, reference.writes - 1))).sort((a, b) => a - b);
    const kills: { atWrites: number; writes: number; exit: { signal: string | null } }[] = [];
    const killAt = async (atWrites: number) => {
      if (atWrites === 0) await sleep(100 + Math.floor(rnd() * 400));
      else {
        const deadline = Date.now() + 30_000;
        while (sandbox.writeCount() < atWrites && Date.now() < deadline) await sleep(5);
      }
      const exit = await worker!.kill('SIGKILL');
      kills.push({ atWrites, writes: sandbox.writeCount(), exit });
      worker = await spawnOne();
    };
    for (const p of [0, ...points]) await killAt(p);
    await waitComplete(driver.res.prisma, run.id, 150_000);
    // Undisturbed full syncs settle what the killed run left (an op that failed for good is
    // planned again) until one writes nothing. Only then are the snapshots what the providers
    // hold: a sync that writes read each provider before its own writes landed, so checking
    // its snapshots against the canonical records would race its pushes.
    const settling: number[] = [];
    for (let i = 0; i < 3 && settling.at(-1) !== 0; i++) {
      const before = sandbox.writeCount();
      await driver.sync({ timeoutMs: 120_000 });
      settling.push(sandbox.writeCount() - before);
    }

    const actual = providerStates(sandbox);
    const ghosts = sandbox.requests().filter((r) => r.fault === 'ghostWrite').length;
    expect(kills.every((k) => k.exit.signal === 'SIGKILL')).toBe(true);
    // The kills landed inside the sync: before the reference run's last write.
    expect(kills.filter((k) => k.writes < reference.writes).length).toBeGreaterThanOrEqual(3);
    expect(ghosts, 'ghost writes were injected').toBeGreaterThan(0);
    const doubled = duplicates(reference.states, actual);
    // On a failure, the ops of the people concerned say which path wrote twice.
    if (doubled.length > 0)
      console.error(`ops of the doubled e-mails:\n${await opsOfEmails(doubled.map((d) => d.email))}`);
    expect(doubled).toEqual([]);
    expect(await diffExplained(driver.res.prisma, reference.states, actual)).toEqual([]);
    await expectOpsAccounted(driver.res.prisma);
    expect(settling.at(-1), `writes of the settling syncs: ${settling.join(', ')}`).toBe(0);
    expect(divergenceSummary(await divergences(driver.res))).toEqual([]);

    // A graceful stop finishes and exits 0.
    const stopped = await worker.kill('SIGTERM');
    expect(stopped.code).toBe(0);
    worker = undefined;
    await sandbox.stop();
  }, 300_000);
});

/** Every op whose target holds one of the e-mails, one line each (for a failure's output). */
async function opsOfEmails(emails: string[]): Promise<string> {
  const ops = await allOps(driver!.res.prisma);
  const lower = emails.map((e) => e.toLowerCase());
  return ops
    .filter((o) =>
      lower.some((e) =>
        JSON.stringify(o.target ?? {})
          .toLowerCase()
          .includes(e),
      ),
    )
    .map((o) =>
      [
        o.connectionId,
        o.canonicalId,
        o.kind,
        o.status,
        `attempts ${o.attempts}`,
        `generation ${o.generation}`,
        o.lastError ?? '',
      ].join(' | '),
    )
    .join('\n');
}
