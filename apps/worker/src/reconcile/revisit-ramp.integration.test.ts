import { FIRST_REVISIT_BATCH } from '@contact-sync/engine/reconcile/reconcile';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startStack } from '@contact-sync/testkit/stack';
import { expect, it } from 'vitest';

// An initial sync plans its ops in the revisits after the pass, and no push starts before the first
// revisit batch commits: that batch is small and each after it twice the last, up to the batch size.
// Ops of one batch share their transaction's timestamp (createdAt), which tells the batches apart.

const db = await createTestDatabase();

it('plans an initial sync’s ops in revisit batches of 250 people, then twice as many each time, up to the batch size', async () => {
  const stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 1_400, seedProviders: ['churchpad'] },
    configOverrides: { providers: ['churchpad', 'nodeping'], reconcile: { batchSize: 600 } },
  });
  try {
    await stack.sync({ timeoutMs: 120_000 });
    const batches = await stack.res.prisma.$queryRaw<{ people: number }[]>`
      SELECT count(DISTINCT "canonicalId")::int AS people FROM outbox_ops
      WHERE "connectionId" = 'nodeping' AND kind = 'create'
      GROUP BY "createdAt" ORDER BY "createdAt"`;
    const people = batches.map((b) => b.people);
    expect(people.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_400);
    // 250, 500, then the batch size (600) until the last.
    expect(people.slice(0, 3)).toEqual([FIRST_REVISIT_BATCH, 2 * FIRST_REVISIT_BATCH, 600]);
    for (const n of people.slice(3, -1)) expect(n).toBe(600);
  } finally {
    await stack.close();
  }
}, 180_000);
