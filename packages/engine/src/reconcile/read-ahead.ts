import {
  type BatchPeople,
  readBatchPeople,
  readChangesAfterCursor,
  type SnapshotRow,
  withSqlTransaction,
} from '@contact-sync/store';
import type { Resources } from '../resources.ts';

/**
 * The next batch of a reconcile pass, read while the batch before it is planned (`runReconcile`
 * does so while batches find nothing to write: a resync of unchanged data, a pass over the whole
 * snapshot again). Reading and planning then overlap instead of taking turns.
 */
export interface ReadAhead {
  /** Its rows, as `readChangesAfterCursor` reads them once the batch before moved the cursor. */
  changes: Awaited<ReturnType<typeof readChangesAfterCursor>>;
  /** The people of those rows whose change numbers are in `planned`... */
  people: BatchPeople;
  planned: ReadonlySet<bigint>;
  /** ...read while the batch before held the reconcile lock with this reconcile write number. */
  writeSeq: bigint;
}

/**
 * Reads the batch after `after` and its people, on another connection, while the batch before it
 * holds the reconcile lock (so no admin decision commits meanwhile) and is planned. If that batch
 * writes nothing, this sees what a read in its turn would; writers that do not take the lock
 * (pulls, pushes ending) race with it as with any batch's read. The people are read for the rows
 * the batch before will not have covered: it plans its people from all their records, so rows
 * among those people's snapshots are left out (`peopleReadAhead` checks that none is left to
 * plan). Null on an error: the batch is then read in its turn.
 */
export function readAhead(
  res: Resources,
  o: {
    upTo: bigint;
    after: bigint;
    limit: number;
    writeSeq: bigint;
    /** The pass's covered change numbers so far (see `runReconcile`). */
    covered: ReadonlySet<number>;
    /** The people of the batch before, once read (null: it failed). */
    people: Promise<BatchPeople | null>;
  },
): Promise<ReadAhead | null> {
  // In a transaction for the batches' planner setting (`preferIndexScans`).
  return withSqlTransaction(
    res.prisma,
    async (tx) => {
      const changes = await readChangesAfterCursor(tx, o.upTo, o.limit, undefined, o.after);
      const before = await o.people;
      if (before === null) return null;
      const skip = new Set(before.snapshots.map((s) => s.changeSeq));
      const rows = changes.rows.filter((r) => !skip.has(r.changeSeq) && !o.covered.has(Number(r.changeSeq)));
      const people = await readBatchPeople(tx, rows, []);
      return { changes, people, planned: new Set(rows.map((r) => r.changeSeq)), writeSeq: o.writeSeq };
    },
    { timeout: 300_000, maxWait: 60_000, indexScans: true },
  ).catch((err: unknown) => {
    res.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'reconcile read-ahead failed');
    return null;
  });
}

/**
 * The read-ahead's people, if they may stand for the batch's own read: no reconcile-style write
 * took a number since they were read (the batch's `writeSeq`, read under the lock, is theirs),
 * and they were read for every row the batch has left to plan. Else undefined: the batch reads.
 */
export function peopleReadAhead(
  early: ReadAhead,
  writeSeq: bigint,
  rows: readonly SnapshotRow[],
): BatchPeople | undefined {
  if (early.writeSeq !== writeSeq) return undefined;
  return rows.every((r) => early.planned.has(r.changeSeq)) ? early.people : undefined;
}
