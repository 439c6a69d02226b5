import { BudgetWaitError, CredentialPausedError, RequestBudget } from '@contact-sync/engine/budget';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Asks of one kind made while the budget's script call is on its way share the next call: under
// concurrency a request costs a fraction of a round trip, and every window still counts each one.
// Real Redis; the script calls are counted on the client.
const db = await createTestDatabase();
let redis: Redis;
let calls = 0;
beforeAll(() => {
  redis = new Redis(db.redisUrl);
  const evalsha = redis.evalsha.bind(redis) as (...a: unknown[]) => Promise<unknown>;
  (redis as unknown as { evalsha: (...a: unknown[]) => Promise<unknown> }).evalsha = (...a) => {
    calls++;
    return evalsha(...a);
  };
});
afterAll(() => redis.disconnect());

let n = 0;
const budgetOf = (windows: { max: number; durationMs: number }[], maxPaceMs = 60_000) =>
  new RequestBudget({
    redis,
    prefix: `${db.redisPrefix}-coalesce-${n++}`,
    connectionId: 'churchpad',
    provider: 'churchpad',
    windows,
    maxPaceMs,
    probeIntervalMs: 50,
  });

const settle = (budget: RequestBudget, asks: number) =>
  Promise.allSettled(Array.from({ length: asks }, () => budget.acquire(undefined, 'push')));

describe('concurrent asks share a script call', () => {
  it('100 asks at once without windows: all granted and counted, in far fewer calls', async () => {
    const budget = budgetOf([]);
    calls = 0;
    const out = await settle(budget, 100);
    expect(out.every((o) => o.status === 'fulfilled')).toBe(true);
    expect((await budget.status()).requests).toBe(100);
    expect(calls).toBeLessThanOrEqual(5);
  });

  it('40 asks at once against a window of 25: exactly 25 go, the rest are told to wait', async () => {
    const budget = budgetOf([{ max: 25, durationMs: 60_000 }], 10);
    calls = 0;
    const out = await settle(budget, 40);
    const granted = out.filter((o) => o.status === 'fulfilled').length;
    const waits = out.filter((o) => o.status === 'rejected' && o.reason instanceof BudgetWaitError);
    expect(granted).toBe(25);
    expect(waits).toHaveLength(15);
    const status = await budget.status();
    expect(status.requests).toBe(25);
    expect(status.windows[0]!.used).toBe(25);
    expect(calls).toBeLessThan(40);
  });

  it('a paused credential lets one ask of a crowd through as the probe; the others wait', async () => {
    const budget = budgetOf([]);
    await budget.acquire(); // creates the budget's keys
    await budget.observe(401, new Headers());
    await new Promise((r) => setTimeout(r, 80)); // the first probe is due one interval after the 401
    const out = await settle(budget, 10);
    expect(out.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const paused = out.filter((o) => o.status === 'rejected' && o.reason instanceof CredentialPausedError);
    expect(paused).toHaveLength(9);
  });
});

// A call may lease a few more requests while every window has room to spare: a serial reader
// (a pull's pages) then asks Redis about once in LEASE_SIZE requests, and still never more than
// a window allows.
describe('leased requests', () => {
  it('50 asks one after another take a fraction of the calls and are all counted, in every process', async () => {
    const budget = budgetOf([]);
    calls = 0;
    for (let i = 0; i < 50; i++) await budget.acquire(undefined, 'pull');
    expect(calls).toBeLessThanOrEqual(10);
    expect((await budget.status()).requests).toBe(50);
    // Another process reads Redis alone: the spent leases are counted there soon after.
    await new Promise((r) => setTimeout(r, 150));
    const other = new RequestBudget({
      redis,
      prefix: `${db.redisPrefix}-coalesce-${n - 1}`,
      connectionId: 'churchpad',
      provider: 'churchpad',
      windows: [],
    });
    expect((await other.status()).byKind).toEqual({ pull: 50, push: 0 });
  });

  it('a lease spent whole is followed by a larger one: 500 asks in a row take about ten calls, each counted once', async () => {
    const budget = budgetOf([{ max: 100_000, durationMs: 60_000 }]);
    calls = 0;
    for (let i = 0; i < 500; i++) await budget.acquire(undefined, 'push');
    // Leases of 8 would take 63 calls; doubling to 64 takes 8 + 16 + 32 + 64 × 7 (10 calls). Room
    // for a lease or two expiring on a loaded machine (each expiry halves the next).
    expect(calls).toBeLessThanOrEqual(16);
    const status = await budget.status();
    expect(status.requests).toBe(500);
    // The window holds every granted request, and at most the last lease's unspent ones besides.
    expect(status.windows[0]!.used).toBeGreaterThanOrEqual(500);
    expect(status.windows[0]!.used).toBeLessThanOrEqual(500 + 64);
  });

  it('a lease never takes a window past its max: 10 of 10 go, the 11th waits', async () => {
    const budget = budgetOf([{ max: 10, durationMs: 60_000 }], 10);
    calls = 0;
    for (let i = 0; i < 10; i++) await budget.acquire(undefined, 'pull');
    expect(calls).toBeLessThan(10);
    await expect(budget.acquire(undefined, 'pull')).rejects.toBeInstanceOf(BudgetWaitError);
    const status = await budget.status();
    expect(status.windows[0]!.used).toBe(10);
    expect(status.requests).toBe(10);
  });

  it("a slow asker's unspent leases leave the window again: 30 asks 20 ms apart all fit a window of 40", async () => {
    const budget = budgetOf([{ max: 40, durationMs: 60_000 }], 10);
    for (let i = 0; i < 30; i++) {
      await budget.acquire(undefined, 'pull');
      await new Promise((r) => setTimeout(r, 20)); // each lease expires unspent
    }
    const status = await budget.status();
    expect(status.requests).toBe(30);
    // At most the last lease's unspent requests are still in the window.
    expect(status.windows[0]!.used).toBeLessThanOrEqual(30 + 8);
  });

  it('a rejected credential ends the lease: the next ask finds the pause', async () => {
    const budget = budgetOf([]);
    await budget.acquire(undefined, 'push');
    await budget.observe(401, new Headers());
    await expect(budget.acquire(undefined, 'push')).rejects.toBeInstanceOf(CredentialPausedError);
  });
});
