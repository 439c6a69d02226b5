import type { Config } from '@contact-sync/engine/config';
import { policiesContext } from '@contact-sync/engine/policies';
import { planBatch } from '@contact-sync/engine/reconcile/reconcile-batch';
import {
  applyUpdateHold,
  newPassCounts,
  type PassCounts,
  planUpdateHold,
} from '@contact-sync/engine/reconcile/update-guard';
import {
  clearRecheckDue,
  committedMaxSeqIn,
  type Db,
  lockCanonicals,
  lockReconcileWrites,
  preferIndexScans,
  readChangedSince,
  readCursor,
  recheckDue,
  type SnapshotRow,
  type WrittenOp,
  writeCursor,
  writeReconcileBatch,
} from '@contact-sync/store';

/**
 * A whole reconcile pass inside the caller's transaction: the same planner, update guard and
 * writes as `runReconcile`, batch by batch, then the revisits, but nothing commits on its own and
 * nothing is enqueued. A plan runs it and rolls back; applying a plan runs it and commits.
 * Returns the outbox rows to enqueue once (and if) the transaction commits.
 */
export async function reconcileInTransaction(tx: Db, config: Config, now: Date): Promise<WrittenOp[]> {
  const ctx = policiesContext(config, now);
  const batchSize = config.reconcile.batchSize;
  const pass: PassCounts = newPassCounts();
  const out: WrittenOp[] = [];
  await lockReconcileWrites(tx);
  await preferIndexScans(tx);
  // Exclusive for the rest of the transaction: no other writer takes change numbers meanwhile.
  const bound = await committedMaxSeqIn(tx);
  const runOf = (r: SnapshotRow | undefined) => r?.lastSeenRunId ?? null;
  const batch = async (rows: SnapshotRow[], ids: string[], runId: (r?: SnapshotRow) => string | null) => {
    const plan = await planBatch(tx, ctx, rows, ids, runId);
    await lockCanonicals(
      tx,
      plan.write.canonicals.map((c) => c.id),
    );
    const hold = await planUpdateHold(tx, config, plan.write, pass);
    const written = await writeReconcileBatch(tx, plan.write);
    out.push(...(await applyUpdateHold(tx, hold, plan.write, written.ops, plan.write.ops[0]?.runId ?? null)));
  };
  for (;;) {
    const cursor = await readCursor(tx);
    const rows = await readChangedSince(tx, cursor, bound, batchSize);
    if (rows.length === 0) {
      if (bound > cursor) await writeCursor(tx, bound);
      break;
    }
    await batch(rows, [], runOf);
    await writeCursor(tx, rows.at(-1)!.changeSeq);
  }
  for (;;) {
    const due = await recheckDue(tx, batchSize);
    if (due.markerIds.length === 0) break;
    const ids = due.ready.map((r) => r.canonicalId);
    if (ids.length > 0) await batch([], ids, () => due.ready[0]?.runId ?? null);
    await clearRecheckDue(tx, due.markerIds);
  }
  return out;
}
