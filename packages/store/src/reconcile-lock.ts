import type { Db } from './client.ts';
import { INDEX_SCAN_PAGE_COST, type SqlDb } from './sql-lane.ts';

// Reconcile batches plan from what they read and write afterwards; an admin decision that
// re-plans a person (conflict resolution, held-delete decision) in between would be
// overwritten by the batch's stale plan. Both take this lock first, for their transaction.
const RECONCILE_LOCK = 0x5eed_c6;

/**
 * Serializes reconcile-style writes (reconcile batches, admin decisions) until commit, and numbers
 * this one (`countReconcileWrite`): a reconcile batch read ahead of its turn is not used after it.
 */
export async function lockReconcileWrites(tx: Db): Promise<void> {
  // The CTE is read before the outer row is made: the number is taken once the lock is held.
  await tx.$queryRaw`WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(${RECONCILE_LOCK}::bigint))
    SELECT nextval('reconcile_write_seq')::text FROM l`;
}

/**
 * Takes a number for a transaction that changed what reconcile batches read of people (inside it,
 * under the lock): a batch read ahead before it is read again (see `openReconcileBatch`).
 */
export async function countReconcileWrite(tx: SqlDb): Promise<void> {
  await tx.$queryRaw`SELECT nextval('reconcile_write_seq')::text`;
}

/**
 * A reconcile batch's first statement: the lock taken, then the planner setting made for the rest of
 * the transaction, in one round trip. Returns the last reconcile write number as the lock was held:
 * a read made since an earlier batch returned the same number, and while that batch held the lock,
 * saw every reconcile-style write this batch would see (none came in between).
 */
export async function openReconcileBatch(tx: SqlDb): Promise<bigint> {
  const [row] = await tx.$queryRaw<{ seq: string }[]>`
    WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock(${RECONCILE_LOCK}::bigint), set_config('random_page_cost', ${INDEX_SCAN_PAGE_COST}, true))
    SELECT COALESCE(pg_sequence_last_value('reconcile_write_seq'::regclass), 0)::text AS seq FROM l`;
  return BigInt(row!.seq);
}
