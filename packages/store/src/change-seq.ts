import type { Db } from './client.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { type SqlDb, withSqlTransaction } from './sql-lane.ts';

// Snapshot changes are numbered from a Postgres sequence, but numbers are taken before
// commit: a reader could see change 300 while change 200 is still uncommitted, move its
// cursor past 200, and never reconcile it. Writers hold this lock (shared) from taking a
// number until commit; the reader takes it exclusively for an instant to learn the highest
// number whose writer has committed.
const SEQ_LOCK = 0x5eed_c5;

/** Inside the caller's transaction: lets it take change numbers (shared lock held until it ends). */
export async function takeSeqWriteLock(tx: Db): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock_shared(${SEQ_LOCK}::bigint)::text`;
}

/** Runs a snapshot write that takes change numbers (shared lock held until commit, taken with its BEGIN). */
export async function withSeqWrite<T>(prisma: PrismaClient, fn: (tx: SqlDb) => Promise<T>): Promise<T> {
  return withSqlTransaction(prisma, fn, {
    timeout: 120_000,
    maxWait: 30_000,
    begin: `SELECT pg_advisory_xact_lock_shared(${SEQ_LOCK})`,
  });
}

/** The highest change number all of whose writers have committed. */
export async function committedMaxSeq(prisma: PrismaClient): Promise<bigint> {
  return withSqlTransaction(
    prisma,
    async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(${SEQ_LOCK}::bigint)::text`;
      const rows = await tx.$queryRaw<{ last: bigint; called: boolean }[]>`
        SELECT last_value AS last, is_called AS called FROM snapshot_change_seq`;
      const r = rows[0];
      return r?.called ? r.last : 0n;
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}

/**
 * `committedMaxSeq` inside the caller's transaction (a progress read in one snapshot): the
 * exclusive lock is held until that transaction ends, so keep it short.
 */
export async function committedMaxSeqIn(tx: Db): Promise<bigint> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${SEQ_LOCK}::bigint)::text`;
  const rows = await tx.$queryRaw<{ last: bigint; called: boolean }[]>`
    SELECT last_value AS last, is_called AS called FROM snapshot_change_seq`;
  const r = rows[0];
  return r?.called ? r.last : 0n;
}

/**
 * The newest change number on a committed row, as the caller's transaction sees them: what a
 * progress read shows. Unlike `committedMaxSeq` it takes no lock (a writer may still hold a lower
 * number uncommitted), so polling it never holds up the page writes of a pull.
 */
export async function newestCommittedSeq(tx: Db): Promise<bigint> {
  const rows = await tx.$queryRaw<{ newest: bigint | null }[]>`SELECT max("changeSeq") AS newest FROM snapshot_records`;
  return rows[0]?.newest ?? 0n;
}
