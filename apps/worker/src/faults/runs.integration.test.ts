import { runPull } from '@contact-sync/engine/pull/pull';
import { runReconcile } from '@contact-sync/engine/reconcile/reconcile';
import { runProgress, startResync } from '@contact-sync/engine/resync';
import { syncConnections } from '@contact-sync/engine/worker';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { committedMaxSeq, createRun } from '@contact-sync/store';
import {
  duplicates,
  expectOpsAccounted,
  providerStates,
  sleep,
  waitComplete,
} from '@contact-sync/testkit/faults/support';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from './child-worker.ts';

/*
 * Issue 17, runs and ops left stale.
 * - A resync run is closed by the worker when its work ends (pulls ended, its reconcile ran,
 *   no op pending or in flight), not by whoever reads its progress; a read writes nothing.
 * - After a SIGKILL, the ops the dead worker had in flight are pushed again as soon as a
 *   worker starts (its lease is gone from pg_locks), not after BullMQ's 60 s job lock.
 */
const closeDb = await createTestDatabase();
const pureDb = await createTestDatabase();
const emptyDb = await createTestDatabase();
const killDb = await createTestDatabase();
const stacks: Stack[] = [];
const children: ChildWorker[] = [];
afterAll(async () => {
  for (const c of children) await c.kill('SIGKILL');
  for (const s of stacks) await s.close().catch(() => {});
});

describe('a resync run', () => {
  it('is closed by the worker when its work ends, with nobody reading its progress', async () => {
    const stack = await startStack({
      databaseUrl: closeDb.databaseUrl,
      redisUrl: closeDb.redisUrl,
      prefix: closeDb.redisPrefix,
      sandboxOptions: { seed: 71, contacts: 20 },
    });
    stacks.push(stack);
    const run = await startResync(stack.res, { full: true });
    const deadline = Date.now() + 60_000;
    let status = 'running';
    while (status !== 'completed' && Date.now() < deadline) {
      await sleep(100);
      status = (await stack.res.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } })).status;
    }
    expect(status).toBe('completed');
    const closed = await stack.res.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(closed.finishedAt).not.toBeNull();
    expect(await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })).toBe(0);
  });

  it('is not changed by reading its progress', async () => {
    const stack = await startStack({
      databaseUrl: pureDb.databaseUrl,
      redisUrl: pureDb.redisUrl,
      prefix: pureDb.redisPrefix,
      sandboxOptions: { seed: 72, contacts: 5 },
      startConsumers: false,
    });
    stacks.push(stack);
    // A resync with nothing outstanding that no worker has closed: a read must leave it so.
    const run = await createRun(stack.res.prisma, { kind: 'resync', full: true });
    const before = await stack.res.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } });
    const p = await runProgress(stack.res.prisma, run.id);
    expect(p?.complete).toBe(false);
    expect(await stack.res.prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } })).toEqual(before);
  });
});

describe('a resync whose pulls brought nothing', () => {
  it('is not complete before its reconcile has run', async () => {
    const stack = await startStack({
      databaseUrl: emptyDb.databaseUrl,
      redisUrl: emptyDb.redisUrl,
      prefix: emptyDb.redisPrefix,
      sandboxOptions: { seed: 74, contacts: 0 },
      startConsumers: false,
    });
    stacks.push(stack);
    await syncConnections(stack.res);
    const run = await startResync(stack.res, { full: true });
    for (const connectionId of stack.res.connections.keys())
      await runPull(stack.res, { connectionId, full: true, resyncRunId: run.id });
    // Every pull ended and nothing changed: still, its reconcile has not run.
    expect((await runProgress(stack.res.prisma, run.id))?.complete).toBe(false);
    await runReconcile(stack.res, await committedMaxSeq(stack.res.prisma));
    expect((await runProgress(stack.res.prisma, run.id))?.complete).toBe(true);
  });
});

describe('a worker process SIGKILLed with pushes in flight', () => {
  it('has those ops pushed again as soon as the next worker starts, without a duplicate', async () => {
    // ChurchPad answers after 1.5 s, so its creates are in flight when the worker is killed.
    const sandbox = await startSandbox({ port: 0, seed: 73, contacts: 40, faults: { churchpad: { latencyMs: 1500 } } });
    const initial = providerStates(sandbox);
    const driver = await startStack({
      databaseUrl: killDb.databaseUrl,
      redisUrl: killDb.redisUrl,
      prefix: killDb.redisPrefix,
      sandbox,
      startConsumers: false,
    });
    stacks.push(driver);
    // BullMQ's own default: a dead worker's job is handed over after its 60 s lock expires.
    const spawnOne = async () => {
      const c = await spawnWorker({
        config: driver.config,
        env: driver.env,
        databaseUrl: killDb.databaseUrl,
        redisUrl: killDb.redisUrl,
        prefix: killDb.redisPrefix,
        lockMs: 60_000,
      });
      children.push(c);
      return c;
    };
    const first = await spawnOne();
    const run = await startResync(driver.res, { full: true });
    const inFlight = async () =>
      driver.res.prisma.outboxOp.findMany({ where: { status: 'in_flight', connectionId: 'churchpad' } });
    const deadline = Date.now() + 60_000;
    let ops = await inFlight();
    while (ops.length < 2 && Date.now() < deadline) {
      await sleep(50);
      ops = await inFlight();
    }
    expect(ops.length, 'ChurchPad creates in flight').toBeGreaterThanOrEqual(2);
    await first.kill('SIGKILL');
    const t0 = Date.now();
    await spawnOne();
    // Pushed again = claimed by a new attempt.
    const attemptsAtKill = new Map(ops.map((o) => [o.id, o.attempts]));
    const ids = [...attemptsAtKill.keys()];
    let waiting = ids.length;
    while (waiting > 0 && Date.now() - t0 < 40_000) {
      await sleep(50);
      const now = await driver.res.prisma.outboxOp.findMany({ where: { id: { in: ids } } });
      waiting = now.filter((o) => o.status === 'pending' || o.attempts <= attemptsAtKill.get(o.id)!).length;
    }
    const ms = Date.now() - t0;
    console.log(`ops in flight at the SIGKILL (${ids.length}) pushed again ${ms} ms after the restart`);
    expect(waiting, 'ops of the killed worker not pushed again').toBe(0);
    expect(ms).toBeLessThan(10_000);
    await waitComplete(driver.res.prisma, run.id, 120_000);
    expect(duplicates(initial, providerStates(sandbox))).toEqual([]);
    await expectOpsAccounted(driver.res.prisma);
    await sandbox.stop();
  }, 240_000);
});
