import { runReconcile } from '@contact-sync/engine/reconcile/reconcile';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { committedMaxSeq, writeCursor } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A pass over rows that change nothing reads each batch while the one before it is planned, and
// does not when a reconcile-style write (an admin decision) took a number in between.
// Small batches, so that the pass has many.

const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 32, contacts: 40 },
    configOverrides: { reconcile: { batchSize: 5 } },
  });
  await stack.sync();
});
afterAll(async () => stack?.close());

const replay = async () => {
  await writeCursor(stack.res.prisma, 0n);
  return runReconcile(stack.res, await committedMaxSeq(stack.res.prisma));
};

it('plans batches from people read ahead while the pass writes nothing, to the same effect', async () => {
  const r = await replay();
  expect(r.readAhead).toBeGreaterThan(5);
  expect(r.ops).toBe(0);
  expect(r.written).toBe(0);
});

it('reads each batch in its turn when a reconcile write number is taken between batches', async () => {
  const planned = (await replay()).canonicals;
  // Every cursor move (one per batch, in its transaction) takes a number, as an admin decision
  // committed between two batches would.
  await stack.res.prisma.$executeRawUnsafe(`
    CREATE FUNCTION take_reconcile_write_number() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM nextval('reconcile_write_seq'); RETURN NEW; END $$`);
  await stack.res.prisma.$executeRawUnsafe(`
    CREATE TRIGGER take_number AFTER INSERT OR UPDATE ON reconcile_cursors
      FOR EACH ROW EXECUTE FUNCTION take_reconcile_write_number()`);
  try {
    const r = await replay();
    expect(r.readAhead).toBe(0);
    expect(r.canonicals).toBe(planned);
    expect(r.written).toBe(0);
  } finally {
    await stack.res.prisma.$executeRawUnsafe('DROP TRIGGER take_number ON reconcile_cursors');
  }
});
