import { runReconcile } from '@contact-sync/engine/reconcile/reconcile';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { committedMaxSeq, readCursor, withSeqWrite, writeCursor } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A pass reads the committed bound once per drain, not per batch (each read takes the change
// sequence's lock exclusively). It must still end as it did: at the first empty read after a
// fresh bound, even while writers keep taking numbers for upserts that change nothing.

const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 31, contacts: 40 },
    configOverrides: { reconcile: { batchSize: 7 } },
  });
  await stack.sync();
});
afterAll(async () => stack?.close());

/**
 * Runs a reconcile pass while writers keep taking change numbers and change nothing (several,
 * so that the bound nearly always moved by the time the pass looks again).
 */
async function passAmidNoopWrites(): Promise<{ endedWhileWriting: boolean; ops: number }> {
  let passDone = false;
  const until = Date.now() + 20_000;
  const writer = async () => {
    while (!passDone && Date.now() < until) {
      await withSeqWrite(stack.res.prisma, (tx) => tx.$queryRaw`SELECT nextval('snapshot_change_seq')::text`);
    }
  };
  const writers = Promise.all([writer(), writer(), writer(), writer()]);
  const result = await runReconcile(stack.res, await committedMaxSeq(stack.res.prisma));
  const endedWhileWriting = Date.now() < until;
  passDone = true;
  await writers;
  return { endedWhileWriting, ops: result.ops };
}

it('a pass with nothing to reconcile ends while writers keep taking change numbers', async () => {
  const r = await passAmidNoopWrites();
  expect(r.endedWhileWriting).toBe(true);
});

it('a pass over every row in small batches ends while writers keep taking change numbers, every row consumed', async () => {
  await writeCursor(stack.res.prisma, 0n);
  const before = await committedMaxSeq(stack.res.prisma);
  const r = await passAmidNoopWrites();
  expect(r.endedWhileWriting).toBe(true);
  expect(await readCursor(stack.res.prisma)).toBeGreaterThanOrEqual(before);
  // Reconciling the same rows again plans nothing new.
  expect(r.ops).toBe(0);
});
