import { RequestBudget } from '@contact-sync/engine/budget';
import { countingOpRequests, opGate } from '@contact-sync/engine/push/op-requests';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { RateLimiter } from '@contact-sync/simulators/shared/rate-limit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A provider counts a request when it arrives, the budget when it grants it; between the two a
// request may wait for a socket, a TLS handshake or a stalled event loop for longer than the
// window's margin. A request the budget granted is counted in its windows until its answer is
// seen (`done`), so no fixed window the provider counts can receive more than `max`, however
// late requests arrive. Real Redis; the provider's counting is the simulators' own RateLimiter.
const db = await createTestDatabase();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(db.redisUrl);
});
afterAll(() => redis.disconnect());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a request is counted until its answer', () => {
  it('late arrivals (a third of them 200 ms late, against a 100 ms window) are never refused', async () => {
    const window = { max: 10, durationMs: 100 };
    const budget = new RequestBudget({
      redis,
      prefix: `${db.redisPrefix}-in-flight`,
      connectionId: 'r-service',
      provider: 'r-service',
      windows: [window],
    });
    const provider = new RateLimiter({ max: window.max, windowMs: window.durationMs });
    let refused = 0;
    let sent = 0;
    const worker = async (k: number) => {
      for (let i = 0; i < 8; i++) {
        await budget.acquire(undefined, 'push');
        // Held between the grant and the provider: a third of the requests arrive 200 ms late.
        await sleep((k + i) % 3 === 0 ? 200 : 1);
        if (!provider.hit('token').allowed) refused++;
        sent++;
        await sleep(1);
        budget.done('push');
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, k) => worker(k)));
    expect(sent).toBe(96);
    expect(refused).toBe(0);
  }, 30_000);

  it('the worker’s gate hands back what it took, a push’s as a push and a pull’s as a pull', async () => {
    const budget = new RequestBudget({
      redis,
      prefix: `${db.redisPrefix}-gate-kinds`,
      connectionId: 'churchpad',
      provider: 'churchpad',
      windows: [{ max: 10, durationMs: 100 }],
    });
    const gate = opGate(budget);
    const ctx = { opId: 'op-1', max: 8, failedBefore: 0, sent: 0, failed: 0 };
    await countingOpRequests(ctx, async () => {
      await gate.acquire();
      gate.done?.();
    });
    await gate.acquire();
    gate.done?.();
    // Handed back, each counts one window (0.15 s) from its end; in flight, it would count 1.15 s.
    await sleep(400);
    expect((await budget.status()).windows[0]!.used).toBe(0);
    expect(ctx.sent).toBe(1);
  }, 30_000);

  it('an answer seen late still counts for one window after it, past the ttl its grant gave the log', async () => {
    // Window 2 s (counted 2.05 s): in flight until grant + 1 s + 2.05 s; answered at 2 s, it counts until 4.05 s.
    // Checked at 3.55 s: half a second from either edge.
    const budget = new RequestBudget({
      redis,
      prefix: `${db.redisPrefix}-late-answer`,
      connectionId: 'r-service',
      provider: 'r-service',
      windows: [{ max: 10, durationMs: 2000 }],
    });
    for (let i = 0; i < 10; i++) await budget.acquire(undefined, 'pull');
    await sleep(2000);
    for (let i = 0; i < 10; i++) budget.done('pull');
    await sleep(1550);
    expect((await budget.status()).windows[0]!.used).toBe(10);
  }, 30_000);
});
