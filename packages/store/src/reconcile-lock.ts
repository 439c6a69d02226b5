import type { Db } from './client.ts';
import type { SqlDb } from './sql-lane.ts';

// Reconcile batches plan from what they read and write afterwards; an admin decision that
// re-plans a person (conflict resolution, held-delete decision) in between would be
// overwritten by the batch's stale plan. Both take this lock first, for their transaction.
const RECONCILE_LOCK = 0x5eed_c6;

/** Serializes reconcile-style writes (reconcile batches, admin decisions) until commit. */
export async function lockReconcileWrites(tx: Db): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${RECONCILE_LOCK}::bigint)::text`;
}

/**
 * A reconcile batch's first statement: `lockReconcileWrites` and `preferIndexScans` in one round
 * trip (the lock taken, then the planner setting made for the rest of the transaction).
 */
export async function openReconcileBatch(tx: SqlDb): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${RECONCILE_LOCK}::bigint)::text,
    set_config('random_page_cost', '1.1', true)`;
}
