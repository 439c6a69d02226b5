import { startResync } from '@contact-sync/engine/resync';
import { findOnPath } from '@contact-sync/services';
import { startLocalRedis } from '@contact-sync/services/local-redis';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { divergences } from '@contact-sync/testkit/convergence';
import {
  divergenceSummary,
  duplicates,
  expectOpsAccounted,
  providerStates,
  sleep,
  waitComplete,
} from '@contact-sync/testkit/faults/support';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

/*
 * Issue 10, infrastructure faults.
 * - Redis restarted mid-sync, empty (no persistence): every queued job is lost. Guards
 *   restoreQueues/watchRedis: after the reconnect the worker rebuilds the jobs of unfinished
 *   outbox ops (and a reconcile, the global limits) from Postgres. Without it the pending
 *   ops have no job and the resync never completes.
 * - Postgres going away mid-sync, as its clients see a restart: new connections refused and
 *   every open one killed (transactions in flight rolled back) for a moment, twice. Guards
 *   the job retries around every database step and the idempotency of each step (claim,
 *   adopt, cursor move in the batch transaction). (The server process itself is not
 *   restarted: the test servers cannot be restarted in place.)
 * - A provider down for the whole run: its pull fails and gives up, the others' data is
 *   reconciled and pushed anyway (the resync's reconcile does not wait forever); once the
 *   provider is back, the next sync completes it. Guards the "pull gave up → reconcile"
 *   path and op retries.
 */
const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close().catch(() => {});
});

const redisDb = await createTestDatabase();
const downDb = await createTestDatabase();
const pgDb = await createTestDatabase();

describe('Redis restarted mid-sync', () => {
  const db = redisDb;
  it('loses its jobs, which are rebuilt from the Postgres outbox; the sync completes without duplicates', async () => {
    const server = findOnPath('redis-server');
    if (!server) throw new Error('redis-server not on PATH (the services package installs it for the test run)');
    let redis = await startLocalRedis(server);
    const port = Number(new URL(redis.url).port);
    try {
      const sandbox = await startSandbox({
        timeScale: DEFAULT_TEST_TIME_SCALE,
        port: 0,
        seed: 51,
        contacts: 50,
        faults: { latencyMs: 15 },
      });
      const initial = providerStates(sandbox);
      const stack = await startStack({
        databaseUrl: db.databaseUrl,
        redisUrl: redis.url,
        prefix: db.redisPrefix,
        sandbox,
      });
      stacks.push(stack);
      const run = await startResync(stack.res, { full: true });
      // Mid-push: some writes done, ops still pending.
      const deadline = Date.now() + 60_000;
      while (sandbox.writeCount() < 10 && Date.now() < deadline) await sleep(5);
      const pendingBefore = await stack.res.prisma.outboxOp.count({
        where: { status: { in: ['pending', 'in_flight'] } },
      });
      await redis.stop();
      await sleep(300);
      redis = await startLocalRedis(server, { port });
      // Well under the 60 s backstop sweep: the reconnect itself must trigger the rebuild.
      const progress = await waitComplete(stack.res.prisma, run.id, 40_000);
      expect(pendingBefore, 'the restart happened while ops were pending').toBeGreaterThan(0);
      expect(progress.pendingOps).toBe(0);
      await stack.sync({ timeoutMs: 60_000 });
      expect(duplicates(initial, providerStates(sandbox))).toEqual([]);
      await expectOpsAccounted(stack.res.prisma);
      expect(divergenceSummary(await divergences(stack.res))).toEqual([]);
      await stack.close();
      stacks.pop();
      await sandbox.stop();
    } finally {
      await redis.stop();
    }
  }, 240_000);
});

describe('a provider down for the whole run', () => {
  const db = downDb;
  it('holds only its own work: the others sync, and it catches up when it returns', async () => {
    const sandbox = await startSandbox({ timeScale: DEFAULT_TEST_TIME_SCALE, port: 0, seed: 52, contacts: 40 });
    const initial = providerStates(sandbox);
    const stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandbox,
      // Few quick retries so the down provider's pull gives up within the test.
      configOverrides: { push: { attempts: 3, backoff: 50, concurrency: 4 } },
    });
    stacks.push(stack);
    sandbox.setFaults({ error5xx: 1 }, 'growcrm');
    const run = await startResync(stack.res, { full: true });
    // The other providers' people are reconciled and pushed while growcrm is down.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const churchpadWrites = sandbox.writeCount('churchpad') + sandbox.writeCount('nodeping');
      const growPull = await stack.res.prisma.syncRun.count({
        where: { parentRunId: run.id, connectionId: 'growcrm', status: 'completed' },
      });
      expect(growPull).toBe(0);
      if (churchpadWrites > 0) break;
      if (Date.now() > deadline) throw new Error('nothing was pushed to the providers that are up');
      await sleep(200);
    }
    const applied = () => sandbox.requests('growcrm').filter((r) => r.isWrite && r.status >= 200 && r.status < 300);
    expect(applied()).toEqual([]);
    // growcrm comes back: the next sync completes what waited for it.
    sandbox.setFaults('none', 'growcrm');
    await stack.sync({ timeoutMs: 120_000 });
    await stack.sync({ timeoutMs: 120_000 });
    expect(applied().length).toBeGreaterThan(0);
    await expectOpsAccounted(stack.res.prisma);
    expect(duplicates(initial, providerStates(sandbox))).toEqual([]);
    expect(divergenceSummary(await divergences(stack.res))).toEqual([]);
    await stack.close();
    stacks.pop();
    await sandbox.stop();
  }, 300_000);
});

describe('Postgres dropping every connection mid-sync (a restart, as the worker sees it)', () => {
  const db = pgDb;
  it('the sync completes after it comes back, with no duplicate and every op accounted for', async () => {
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    const outage = async (ms: number) => {
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        db.name,
      ]);
      await sleep(ms);
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
      return killed.rowCount ?? 0;
    };
    try {
      const sandbox = await startSandbox({
        timeScale: DEFAULT_TEST_TIME_SCALE,
        port: 0,
        seed: 53,
        contacts: 50,
        faults: { latencyMs: 15 },
      });
      const initial = providerStates(sandbox);
      const stack = await startStack({
        databaseUrl: db.databaseUrl,
        redisUrl: db.redisUrl,
        prefix: db.redisPrefix,
        sandbox,
        // Small push batches, so the worker talks to Postgres between the writes the outages wait
        // for (one batch of 100 sends all of a connection's 50-person writes with no statement between).
        configOverrides: { push: { attempts: 8, backoff: 100, concurrency: 4, batchSize: 10, maxHttpAttempts: 8 } },
      });
      stacks.push(stack);
      const run = await startResync(stack.res, { full: true });
      const killed: number[] = [];
      for (const atWrites of [5, 40]) {
        const deadline = Date.now() + 60_000;
        while (sandbox.writeCount() < atWrites && Date.now() < deadline) await sleep(5);
        killed.push(await outage(1500));
      }
      // The test's own reads go through the same pool: retry them while it reconnects.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const p = await waitComplete(stack.res.prisma, run.id, 5_000).catch(() => null);
        if (p) break;
        if (Date.now() > deadline) throw new Error('the sync did not complete after the outages');
      }
      expect(
        killed.every((n) => n > 0),
        `connections killed: ${killed}`,
      ).toBe(true);
      await stack.sync({ timeoutMs: 60_000 });
      expect(duplicates(initial, providerStates(sandbox))).toEqual([]);
      await expectOpsAccounted(stack.res.prisma);
      expect(divergenceSummary(await divergences(stack.res))).toEqual([]);
      await stack.close();
      stacks.pop();
      await sandbox.stop();
    } finally {
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
    }
  }, 240_000);
});
