import type { Db } from './client.ts';

// Reconcile batches plan from what they read and write afterwards; an admin decision that
// re-plans a person (conflict resolution, held-delete decision) in between would be
// overwritten by the batch's stale plan. Both take this lock first, for their transaction.
const RECONCILE_LOCK = 0x5eed_c6;

/** Serializes reconcile-style writes (reconcile batches, admin decisions) until commit. */
export async function lockReconcileWrites(tx: Db): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${RECONCILE_LOCK}::bigint)::text`;
}
