import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterEach, expect, it } from 'vitest';

// The push path in batches keeps per-op retries: an op whose create is answered 5xx (not retried
// by the transport: it may have applied) goes back on its own, with its own backoff, while the
// rest of its batch ends; every op ends done, none failed (~15 s).
const db = await createTestDatabase();
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

it('an op that fails transiently retries on its own with its own backoff; the rest of its batch ends', async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 23, contacts: 30 },
    configOverrides: { push: { attempts: 8, backoff: 50, concurrency: 4, batchSize: 100, maxHttpAttempts: 8 } },
  });
  stack.sandbox.setFaults({ error5xx: 0.3 }, 'growcrm');
  const p = await stack.sync({ timeoutMs: 90_000 });
  expect(p.complete).toBe(true);

  const ops = await stack.res.prisma.outboxOp.findMany({ where: { connectionId: 'growcrm' } });
  expect(ops.length).toBeGreaterThanOrEqual(10);
  expect(ops.filter((o) => o.status !== 'done' && o.status !== 'superseded')).toEqual([]);
  const retried = ops.filter((o) => o.attempts > 1);
  const once = ops.filter((o) => o.attempts === 1);
  console.info(`[push-batch] growcrm: ${ops.length} ops, ${retried.length} retried, ${once.length} in one attempt`);
  // Some retried, the others ended in their first attempt (a failure did not send the batch back).
  expect(retried.length).toBeGreaterThan(0);
  expect(once.length).toBeGreaterThan(0);
  // A retry waited out its op's own backoff (`nextAttemptAt` moved on), and its failures are counted on it.
  for (const o of retried) {
    expect(o.nextAttemptAt.getTime()).toBeGreaterThan(o.createdAt.getTime());
    expect(o.httpFailures).toBeGreaterThan(0);
  }
}, 150_000);
