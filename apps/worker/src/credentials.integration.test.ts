import { resumeConnection } from '@contact-sync/admin-ops/admin/limits';
import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { divergences } from '@contact-sync/testkit/convergence';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';

const db = await createTestDatabase();
const until = async (what: string, cond: () => Promise<boolean> | boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

it('a ChurchPad token that expires mid-sync pauses the connection; no op fails; a new token completes it without duplicates', async () => {
  const sandbox = await startSandbox({ port: 0, seed: 23, contacts: 60, timeScale: DEFAULT_TEST_TIME_SCALE });
  const base = { databaseUrl: db.databaseUrl, redisUrl: db.redisUrl, prefix: db.redisPrefix, sandbox };
  const first = await startStack(base);
  try {
    const syncing = first.sync({ timeoutMs: 60_000 }).then(
      () => 'completed',
      () => 'stopped',
    );
    // The token lapses once ChurchPad has taken its first write.
    await until('a churchpad write', () => sandbox.writeCount('churchpad') > 0);
    sandbox.sim.churchpad.tokens.expire(sandbox.providers.churchpad.credential);
    await until('the pause', async () => (await first.res.budgets.get('churchpad')!.paused()) !== null);
    // Two probe intervals later the connection is still paused and nothing has failed.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await first.res.budgets.get('churchpad')!.paused()).not.toBeNull();
    expect(await first.res.prisma.outboxOp.count({ where: { status: 'failed' } })).toBe(0);
    expect(await first.res.prisma.conflict.count({ where: { kind: 'rejected-write' } })).toBe(0);
    const waiting = await first.res.prisma.outboxOp.count({
      where: { connectionId: 'churchpad', status: { in: ['pending', 'in_flight'] } },
    });
    expect(waiting).toBeGreaterThan(0);
    await first.close();
    await syncing;
  } catch (err) {
    await first.close().catch(() => {});
    throw err;
  }

  // The operator puts a new token in the environment and restarts the worker.
  (sandbox.providers.churchpad as { credential: string }).credential = sandbox.sim.churchpad.tokens.issue();
  const second = await startStack(base);
  try {
    const p = await second.sync({ timeoutMs: 60_000 });
    expect(p.complete).toBe(true);
    expect(await second.res.budgets.get('churchpad')!.paused()).toBeNull();
    expect(await second.res.prisma.outboxOp.count({ where: { status: 'failed' } })).toBe(0);
    expect(await second.res.prisma.conflict.count({ where: { kind: 'rejected-write' } })).toBe(0);
    const emails = sandbox.sim.churchpad
      .all()
      .map((c) => c.email)
      .filter((e): e is string => typeof e === 'string' && e !== '');
    expect(emails.length - new Set(emails).size).toBe(0);
    // The ops that waited out the pause were pushed after this resync's pulls: one more resync
    // reads what they wrote, writes nothing, and every provider agrees.
    sandbox.clearRequests();
    await second.sync({ timeoutMs: 60_000 });
    expect(sandbox.writeCount()).toBe(0);
    expect(await divergences(second.res)).toEqual([]);
  } finally {
    await second.close();
    await sandbox.stop();
  }
}, 150_000);

it('a credential pause is kept in Postgres: a Redis flush and a worker restart keep the connection paused until connections resume', async () => {
  const sandbox = await startSandbox({ port: 0, seed: 29, contacts: 30, timeScale: DEFAULT_TEST_TIME_SCALE });
  const prefix = `${db.redisPrefix}-kept`;
  const base = { databaseUrl: db.databaseUrl, redisUrl: db.redisUrl, prefix, sandbox };
  const pausedInDb = async (s: Stack) =>
    (await s.res.prisma.connection.findUnique({ where: { id: 'churchpad' } }))?.credentialPausedStatus ?? null;
  const first = await startStack(base);
  try {
    sandbox.sim.churchpad.tokens.expire(sandbox.providers.churchpad.credential);
    await startResync(first.res, { full: true, connectionId: 'churchpad' });
    await until('the pause', async () => (await first.res.budgets.get('churchpad')!.paused()) !== null);
    // Redis first (it decides which request paused it), then Postgres.
    await until('the pause in Postgres', async () => (await pausedInDb(first)) !== null, 5000);
    expect(await pausedInDb(first)).toBe(401);
  } finally {
    await first.close();
  }

  // Redis loses everything of this deployment (a flush; only this test's keys, the server is shared).
  const redis = new Redis(db.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(await redis.keys(`${prefix}:budget:churchpad:paused`)).toEqual([]);
  } finally {
    redis.disconnect();
  }

  // A restarted worker, the token still rejected: paused from Postgres, its probes refused, nothing fails.
  const second = await startStack(base);
  try {
    const budget = second.res.budgets.get('churchpad')!;
    expect(await budget.paused()).toBe('401');
    sandbox.clearRequests();
    await startResync(second.res, { full: true });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await budget.paused()).toBe('401');
    expect(await pausedInDb(second)).toBe(401);
    // Only probes reached ChurchPad: one per interval (1 s scaled), not one per op or page.
    expect(sandbox.requestCount('churchpad')).toBeLessThanOrEqual(6);
    expect(await second.res.prisma.outboxOp.count({ where: { status: 'failed' } })).toBe(0);
    expect(await second.res.prisma.conflict.count({ where: { kind: 'rejected-write' } })).toBe(0);

    // A new token and `connections resume`: the sync completes and the pause is gone from both stores.
    (sandbox.providers.churchpad as { credential: string }).credential = sandbox.sim.churchpad.tokens.issue();
  } finally {
    await second.close();
  }
  // `connections resume` from a process of its own (no consumers, which would probe the new token first).
  const admin = await startStack({ ...base, startConsumers: false });
  try {
    expect(await admin.res.budgets.get('churchpad')!.paused()).toBe('401');
    await resumeConnection(admin.res, 'churchpad');
    expect(await pausedInDb(admin)).toBeNull();
    expect(await admin.res.budgets.get('churchpad')!.paused()).toBeNull();
  } finally {
    await admin.close();
  }
  const third = await startStack(base);
  try {
    const p = await third.sync({ timeoutMs: 60_000 });
    expect(p.complete).toBe(true);
    expect(await third.res.budgets.get('churchpad')!.paused()).toBeNull();
    expect(await third.res.prisma.outboxOp.count({ where: { status: 'failed' } })).toBe(0);
  } finally {
    await third.close();
    await sandbox.stop();
  }
}, 150_000);
