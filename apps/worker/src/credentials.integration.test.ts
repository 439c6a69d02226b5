import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { expect, it } from 'vitest';
import { divergences } from './convergence.ts';
import { DEFAULT_TEST_TIME_SCALE } from './sandbox-config.ts';
import { startStack } from './stack.ts';

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
