import { runReconcile, StatsRefresh } from '@contact-sync/engine/reconcile/reconcile';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { committedMaxSeq, readCursor, writeCursor } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A pass plans a person once from the rows it read of them: a later batch of the same pass that
// holds another of that person's rows, as the earlier batch read it, does not plan them again.
// While its batches write nothing, it reads each batch while the one before it is planned, and does
// not when a reconcile-style write (an admin decision) took a number in between.
// Small batches, so that a person's records (one per provider) fall into different batches.

const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 31, contacts: 40 },
    configOverrides: { reconcile: { batchSize: 5 } },
  });
  await stack.sync();
});
afterAll(async () => stack?.close());

it('replaying every row plans each person about once, not once per record, and writes nothing', async () => {
  const people = await stack.res.prisma.canonicalContact.count({ where: { deletedAt: null, mergedIntoId: null } });
  await writeCursor(stack.res.prisma, 0n);
  const upTo = await committedMaxSeq(stack.res.prisma);
  const r = await runReconcile(stack.res, upTo);
  // Every row was consumed ...
  expect(await readCursor(stack.res.prisma)).toBeGreaterThanOrEqual(upTo);
  expect(r.rows).toBeGreaterThan(people + 20);
  // ... each person planned about once (a person whose rows share a batch counts once there) ...
  expect(r.canonicals).toBeLessThanOrEqual(people + 5);
  // ... and replaying converged rows plans nothing.
  expect(r.ops).toBe(0);
  expect(r.conflicts).toBe(0);
  expect(r.written).toBe(0);
});

it('analyzes the sync tables after a pass wrote much, not after one that read much and wrote nothing', async () => {
  const analyzed = async () => {
    const [row] = await stack.res.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'canonical_contacts'`;
    return Number(row!.n);
  };
  const before = await analyzed();
  const stats = new StatsRefresh(stack.res);
  // A full resync over converged data: every row read, none written.
  await stats.grew({ rows: 50_000, canonicals: 50_000, ops: 0, conflicts: 0, written: 0, readAhead: 0 });
  expect(await analyzed()).toBe(before);
  // An initial sync's pass: 2,000 rows written (the tables grew since their last statistics).
  await stack.res.prisma.$executeRaw`INSERT INTO canonical_contacts (id, data, "contentHash", "updatedAt")
    SELECT gen_random_uuid(), '{}'::jsonb, 'x', now() FROM generate_series(1, 2000)`;
  await stats.grew({ rows: 2_000, canonicals: 2_000, ops: 0, conflicts: 0, written: 2_000, readAhead: 0 });
  expect(await analyzed()).toBe(before + 1);
});

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
