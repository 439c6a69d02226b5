import {
  type Canonical,
  contentHash,
  type LedgerCause,
  ledgerEntries,
  type Projection,
  type ReconcileContext,
  type ReconcileInput,
  reconcileRecord,
  type SideState,
} from '@contact-sync/core';
import {
  type BatchLink,
  type BatchPeople,
  emptyReconcileWrite,
  type ReconcileWrite,
  readBatchPeople,
  readSnapshots,
  type SnapshotRow,
  type SqlDb,
} from '@contact-sync/store';
import {
  conflictWrite,
  groupBy,
  k,
  newLinkWrite,
  now,
  type RunOf,
  reportWrite,
  sideOf,
  storeCanonical,
} from './batch-parts.ts';
import { preferAgreeingDuplicates } from './duplicates.ts';
import { matchUnlinked } from './match-unlinked.ts';

/**
 * The change ledger is written unless CONTACT_SYNC_LEDGER=off (read once at start): for the
 * bench's with/without comparison, and as an escape hatch; undo and history need it on.
 */
const LEDGER = process.env.CONTACT_SYNC_LEDGER !== 'off';

export interface BatchPlan {
  write: ReconcileWrite;
  stats: { canonicals: number; ops: number; conflicts: number };
  /**
   * The change numbers of the snapshot rows this batch planned people from in full (every
   * record linked to them, as read): a later batch of the same pass need not plan a person
   * again for one of these rows (see `runReconcile`).
   */
  covered: number[];
}

export type { RunOf };

export interface PlanOptions {
  /** Admin decisions adjust a person's input before the core decides (e.g. `applyResolution`). */
  adjust?: (input: ReconcileInput) => ReconcileInput;
  /** The ledger's cause for every change planned here (an admin decision, an undo); else the merge's. */
  cause?: LedgerCause;
  /**
   * The batch's people as `readBatchPeople` returned them for these rows (or for more rows: the
   * others are not planned), read ahead while no reconcile-style write could come in between.
   */
  people?: BatchPeople;
  /** Told the batch's people as soon as they are read (before matching adds candidates). */
  peopleRead?: (people: BatchPeople) => void;
}

/**
 * Plans one reconcile batch: changed snapshot rows (and canonicals to revisit) in, every
 * write the batch decides out. Reads are batched (a handful of queries per batch); the
 * decisions themselves are the pure core's.
 */
export async function planBatch(
  db: SqlDb,
  ctx: ReconcileContext,
  rows: SnapshotRow[],
  recheckIds: string[],
  runOf: RunOf,
  { adjust, cause, people: readAhead, peopleRead }: PlanOptions = {},
): Promise<BatchPlan> {
  const write = emptyReconcileWrite();
  // One statement: the people of these rows (and the revisits) with their links, snapshots,
  // detachments and unfinished ops; people matched below are read the same way.
  const people = readAhead ?? (await readBatchPeople(db, rows, recheckIds));
  peopleRead?.(people);
  const rowKeys = new Set(rows.map((r) => k(r.connectionId, r.externalId)));
  const rowLinks = people.links.filter((l) => rowKeys.has(k(l.connectionId, l.externalId)));
  const linkOf = new Map(rowLinks.map((l) => [k(l.connectionId, l.externalId), l]));
  await readProjectionsLeftOut(db, rows, linkOf);
  const affected = new Set<string>([...rowLinks.map((l) => l.canonicalId), ...recheckIds]);
  const triggerRow = new Map<string, SnapshotRow>();
  for (const r of rows) {
    const l = linkOf.get(k(r.connectionId, r.externalId));
    if (l && !triggerRow.has(l.canonicalId)) triggerRow.set(l.canonicalId, r);
  }

  // Matching: unlinked, present rows, in a stable order so the batch's result does not depend on pull order.
  const unlinked = rows.filter((r) => r.goneAt === null && !linkOf.has(k(r.connectionId, r.externalId)));
  const newLinks = new Map<string, { row: SnapshotRow; canonicalId: string }[]>();
  const fresh = new Set<string>();
  if (unlinked.length > 0) {
    const matched = await matchUnlinked(db, unlinked, runOf, write, people);
    for (const [canonicalId, list] of matched.links) {
      newLinks.set(
        canonicalId,
        list.map((row) => ({ row, canonicalId })),
      );
      affected.add(canonicalId);
      if (!triggerRow.has(canonicalId) && list[0]) triggerRow.set(canonicalId, list[0]);
    }
    for (const id of matched.fresh) fresh.add(id);
  }

  const ids = [...affected];
  const snapOf = new Map(people.snapshots.map((s) => [k(s.connectionId, s.externalId), s]));
  // The batch's own rows as read (a row sent without its projection: the one read with its link).
  for (const r of rows) if (!r.sameAsBase) snapOf.set(k(r.connectionId, r.externalId), r);
  const canonOf = new Map(people.canonicals.filter((c) => !fresh.has(c.id)).map((c) => [c.id, c]));
  const linksOf = groupBy(people.links, (l) => l.canonicalId);
  const detachedOf = groupBy(people.detachments, (d) => d.canonicalId);
  const busy = new Set(people.unfinished.map((u) => k(u.canonicalId, u.connectionId)));
  if (rows.length === 0 && recheckIds.length > 0)
    await preferAgreeingDuplicates(db, recheckIds, linksOf, snapOf, newLinks, write, now(ctx));

  let opCount = 0;
  const covered: number[] = [];
  for (const canonicalId of ids) {
    const existing = canonOf.get(canonicalId);
    if (!existing && !fresh.has(canonicalId)) continue; // removed meanwhile
    if (existing?.mergedIntoId) continue;
    const sides: SideState[] = [];
    for (const l of linksOf.get(canonicalId) ?? []) sides.push(sideOf(l, snapOf.get(k(l.connectionId, l.externalId))));
    for (const n of newLinks.get(canonicalId) ?? []) {
      sides.push({
        connectionId: n.row.connectionId,
        externalId: n.row.externalId,
        base: null,
        current: n.row.projection as Projection,
        updatedAt: n.row.remoteUpdatedAt?.toISOString() ?? null,
      });
    }
    // A person no side has agreed with yet (every base null: only just matched) is planned from
    // their records alone, as on a first sync: what an earlier batch stored for them was only
    // the records seen so far, and must not outrank the rest.
    const unplanned = sides.length > 0 && sides.every((sd) => sd.base === null);
    const input: ReconcileInput = {
      canonicalId,
      canonical: existing && !existing.deletedAt && !unplanned ? (existing.data as Canonical) : null,
      sides,
      detached: (detachedOf.get(canonicalId) ?? []).map((d) => d.connectionId),
    };
    const planned = adjust ? adjust(input) : input;
    const result = reconcileRecord(planned, ctx);
    const runId = runOf(triggerRow.get(canonicalId));
    const before = existing && !existing.deletedAt ? (existing.data as Canonical) : null;
    if (LEDGER && (before || result.canonical))
      for (const e of ledgerEntries(before, planned, result, ctx.conflictPolicy))
        write.ledger.push({ ...e, cause: cause ?? e.cause, runId });
    if (rows.length > 0 && newLinks.has(canonicalId) && result.canonical) {
      // Records just matched to this person: more of their records may come in a later batch of
      // the same pass. Plan nothing yet (a create planned now could duplicate a record a later
      // batch links); store the person for matching and revisit once the pass is done.
      for (const n of newLinks.get(canonicalId) ?? []) write.links.push(newLinkWrite(n.row, canonicalId));
      storeCanonical(write, canonicalId, result.canonical);
      write.recheck.push({ canonicalId, value: true });
      continue;
    }
    // A connection with an op still in flight is planned again once it lands, whether or not this
    // pass plans anything for it: the op may carry a value this pass has just changed, and its
    // success will store that value as the base, which a plan made now against the older snapshot
    // would not see (seen as a second-resync write in the demo under faults).
    const deferred = new Set<string>();
    for (const l of linksOf.get(canonicalId) ?? [])
      if (busy.has(k(canonicalId, l.connectionId))) deferred.add(l.connectionId);
    for (const op of result.ops) if (busy.has(k(canonicalId, op.connectionId))) deferred.add(op.connectionId);
    // A record that stopped validating keeps its last good snapshot and its link, but nothing is
    // written to it or agreed with it while its real content is unknown: once it validates again
    // its row changes and the person is planned afresh from its base.
    const frozen = new Set<string>();
    for (const l of linksOf.get(canonicalId) ?? [])
      if (snapOf.get(k(l.connectionId, l.externalId))?.quarantinedAt) frozen.add(l.connectionId);
    // New links are recorded whatever is planned for them: the record is this person's.
    for (const n of newLinks.get(canonicalId) ?? []) write.links.push(newLinkWrite(n.row, canonicalId));
    for (const change of result.links) {
      if (deferred.has(change.connectionId) || frozen.has(change.connectionId)) continue;
      if (change.kind === 'set-base') {
        const snap = snapOf.get(k(change.connectionId, change.externalId));
        write.links.push({
          connectionId: change.connectionId,
          externalId: change.externalId,
          canonicalId,
          base: change.base,
          baseHash: contentHash(change.base),
          extras: (snap?.extras ?? {}) as Record<string, unknown>,
        });
      } else {
        write.unlinks.push({ connectionId: change.connectionId, externalId: change.externalId });
        if (change.kind === 'detach') write.detach.push({ canonicalId, connectionId: change.connectionId });
      }
    }
    const opsBefore = write.ops.length;
    for (const op of result.ops) {
      if (deferred.has(op.connectionId) || frozen.has(op.connectionId)) continue;
      write.ops.push({
        idempotencyKey: op.idempotencyKey,
        connectionId: op.connectionId,
        canonicalId,
        kind: op.kind,
        externalId: op.externalId,
        target: op.target,
        baseAfter: op.baseAfter,
        changed: op.changed,
        runId,
      });
      opCount++;
    }
    // The flag written only when it changes (the statement would leave it as it is anyway).
    if (deferred.size > 0 || existing?.recheck !== false) write.recheck.push({ canonicalId, value: deferred.size > 0 });
    for (const c of result.conflicts) write.conflicts.push(conflictWrite(c, runId));
    for (const r of result.report) write.conflicts.push(reportWrite(r, runId));
    if (result.canonical)
      storeCanonical(write, canonicalId, result.canonical, write.ops.length === opsBefore ? existing : undefined);
    else if (existing) {
      write.canonicals.push({ id: canonicalId, data: existing.data, contentHash: existing.contentHash, deleted: true });
      write.keyOwners.push(canonicalId);
    } else write.keyOwners.push(canonicalId);
    for (const l of linksOf.get(canonicalId) ?? []) {
      const snap = snapOf.get(k(l.connectionId, l.externalId));
      if (snap) covered.push(Number(snap.changeSeq));
    }
  }
  return {
    covered,
    write,
    stats: {
      canonicals: ids.length,
      ops: opCount,
      conflicts: write.conflicts.filter((c) => c.status === 'open').length,
    },
  };
}

/**
 * A row read without its projection (its hash was its link's base hash) whose link is gone by the
 * time the batch reads (an unlink in between): it is unlinked now, so its projection is read.
 */
async function readProjectionsLeftOut(db: SqlDb, rows: SnapshotRow[], linkOf: Map<string, BatchLink>): Promise<void> {
  const lost = rows.filter((r) => r.sameAsBase && !linkOf.has(k(r.connectionId, r.externalId)));
  if (lost.length === 0) return;
  const read = new Map((await readSnapshots(db, lost)).map((s) => [k(s.connectionId, s.externalId), s]));
  for (const r of lost) {
    const s = read.get(k(r.connectionId, r.externalId));
    if (s) Object.assign(r, { projection: s.projection, sameAsBase: false });
  }
}
