import { randomUUID } from 'node:crypto';
import {
  type BatchPerson,
  type Canonical,
  type ConflictEntry,
  conflictKey,
  contentHash,
  type LedgerCause,
  ledgerEntries,
  matchBatch,
  matchKeys,
  type Projection,
  type ReconcileContext,
  type ReconcileInput,
  type ReportEntry,
  reconcileRecord,
  type SideState,
  sha256,
} from '@contact-sync/core';
import {
  type CanonicalContact,
  type ConflictWrite,
  candidatesByKeys,
  canonicalsByIds,
  type Db,
  detachmentsOf,
  emptyReconcileWrite,
  type Link,
  linksByCanonical,
  linksByExternal,
  type ReconcileWrite,
  readSnapshots,
  type SnapshotRow,
  toJson,
  unfinishedOpsFor,
} from '@contact-sync/store';

/**
 * The change ledger is written unless CONTACT_SYNC_LEDGER=off (read once at start): for the
 * bench's with/without comparison, and as an escape hatch; undo and history need it on.
 */
const LEDGER = process.env.CONTACT_SYNC_LEDGER !== 'off';

const k = (connectionId: string, externalId: string) => `${connectionId}\u0000${externalId}`;

export interface BatchPlan {
  write: ReconcileWrite;
  stats: { canonicals: number; ops: number; conflicts: number };
}

/** Run ids the ops and conflicts of a canonical are counted under (the pull that brought the change). */
export type RunOf = (row: SnapshotRow | undefined) => string | null;

/**
 * Plans one reconcile batch: changed snapshot rows (and canonicals to revisit) in, every
 * write the batch decides out. Reads are batched (a handful of queries per batch); the
 * decisions themselves are the pure core's.
 */
export async function planBatch(
  db: Db,
  ctx: ReconcileContext,
  rows: SnapshotRow[],
  recheckIds: string[],
  runOf: RunOf,
  /** Admin decisions adjust a person's input before the core decides (e.g. `applyResolution`). */
  adjust?: (input: ReconcileInput) => ReconcileInput,
  /** The ledger's cause for every change planned here (an admin decision, an undo); else the merge's. */
  cause?: LedgerCause,
): Promise<BatchPlan> {
  const write = emptyReconcileWrite();
  const rowLinks = await linksByExternal(db, rows);
  const linkOf = new Map(rowLinks.map((l) => [k(l.connectionId, l.externalId), l]));
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
    const matched = await matchUnlinked(db, unlinked, runOf, write);
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
  const [canonRows, links, detachments, unfinished] = await Promise.all([
    canonicalsByIds(
      db,
      ids.filter((id) => !fresh.has(id)),
    ),
    linksByCanonical(db, ids),
    detachmentsOf(db, ids),
    unfinishedOpsFor(db, ids),
  ]);
  const snapshots = await readSnapshots(db, links);
  const snapOf = new Map(snapshots.map((s) => [k(s.connectionId, s.externalId), s]));
  for (const r of rows) snapOf.set(k(r.connectionId, r.externalId), r);
  const canonOf = new Map(canonRows.map((c) => [c.id, c]));
  const linksOf = groupBy(links, (l) => l.canonicalId);
  const detachedOf = groupBy(detachments, (d) => d.canonicalId);
  const busy = new Set(unfinished.map((u) => k(u.canonicalId, u.connectionId)));
  if (rows.length === 0 && recheckIds.length > 0)
    await preferAgreeingDuplicates(db, recheckIds, linksOf, snapOf, newLinks, write, now(ctx));

  let opCount = 0;
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
    write.recheck.push({ canonicalId, value: deferred.size > 0 });
    for (const c of result.conflicts) write.conflicts.push(conflictWrite(c, runId));
    for (const r of result.report) write.conflicts.push(reportWrite(r, runId));
    if (result.canonical) storeCanonical(write, canonicalId, result.canonical);
    else if (existing) {
      write.canonicals.push({ id: canonicalId, data: existing.data, contentHash: existing.contentHash, deleted: true });
      write.keyOwners.push(canonicalId);
    } else write.keyOwners.push(canonicalId);
  }
  return {
    write,
    stats: {
      canonicals: ids.length,
      ops: opCount,
      conflicts: write.conflicts.filter((c) => c.status === 'open').length,
    },
  };
}

function storeCanonical(write: ReconcileWrite, canonicalId: string, canonical: Canonical): void {
  write.canonicals.push({ id: canonicalId, data: canonical, contentHash: contentHash(canonical), deleted: false });
  const keys = matchKeys(canonical);
  for (const value of keys.emails) write.keys.push({ canonicalId, kind: 'email', value });
  for (const value of keys.phones) write.keys.push({ canonicalId, kind: 'phone', value });
  write.keyOwners.push(canonicalId);
}

/**
 * Of a provider's two records of one person, the one linked is the one matched first; when the
 * other arrived in a later batch it became a duplicate-in-provider report. Before such a person is
 * first planned (no side agreed yet), the record that agrees more with the person's other records
 * (shared e-mails first, then phones) becomes the linked one, and the report names the other: a
 * duplicate pulled before its original must not push its stray address everywhere.
 */
async function preferAgreeingDuplicates(
  db: Db,
  ids: string[],
  linksOf: Map<string, Link[]>,
  snapOf: Map<string, SnapshotRow>,
  newLinks: Map<string, { row: SnapshotRow; canonicalId: string }[]>,
  write: ReconcileWrite,
  at: Date,
): Promise<void> {
  const reports = await db.conflict.findMany({
    where: { kind: 'duplicate-in-provider', status: 'open', canonicalId: { in: ids } },
  });
  for (const report of reports) {
    const canonicalId = report.canonicalId!;
    const links = linksOf.get(canonicalId) ?? [];
    const side = (report.sides as { connectionId: string; externalId: string; value: unknown }[])[0];
    if (!side || links.length === 0 || links.some((l) => l.base !== null)) continue;
    const linked = links.find((l) => l.connectionId === side.connectionId);
    const [other] = await readSnapshots(db, [side]);
    const mine = linked && snapOf.get(k(linked.connectionId, linked.externalId));
    if (!linked || !other || other.goneAt || !mine || mine.goneAt) continue;
    const keysOf = (r: SnapshotRow) => {
      const mk = matchKeys(r.projection as Projection);
      return [...mk.emails.map((v) => `e:${v}`), ...mk.phones.map((v) => `p:${v}`)];
    };
    const around = new Set(
      links
        .filter((l) => l.connectionId !== side.connectionId)
        .flatMap((l) => {
          const snap = snapOf.get(k(l.connectionId, l.externalId));
          return snap && !snap.goneAt ? keysOf(snap) : [];
        }),
    );
    const score = (r: SnapshotRow) =>
      keysOf(r).reduce((n, key) => n + (around.has(key) ? (key.startsWith('e:') ? 2 : 1) : 0), 0);
    if (score(other) <= score(mine)) continue;
    linksOf.set(
      canonicalId,
      links.filter((l) => l !== linked),
    );
    newLinks.set(canonicalId, [...(newLinks.get(canonicalId) ?? []), { row: other, canonicalId }]);
    write.unlinks.push({ connectionId: linked.connectionId, externalId: linked.externalId });
    await db.conflict.update({
      where: { id: report.id },
      data: {
        status: 'dismissed',
        resolution: toJson({ action: 'dismiss', by: 'contact-sync', reason: `linked instead of ${linked.externalId}` }),
        resolvedAt: at,
      },
    });
    write.conflicts.push(
      conflictWrite(
        {
          kind: 'duplicate-in-provider',
          canonicalId,
          field: report.field as ConflictEntry['field'],
          key: null,
          base: null,
          sides: [
            {
              connectionId: linked.connectionId,
              externalId: linked.externalId,
              value: side.value as ConflictEntry['sides'][number]['value'],
              updatedAt: mine.remoteUpdatedAt?.toISOString() ?? null,
            },
          ],
          chosen: null,
          rule: `${linked.connectionId} holds another record of this person that agrees more with the others (${side.externalId}): link as a new person or merge?`,
          status: 'open',
          candidates: [canonicalId],
        },
        report.runId,
      ),
    );
  }
}

const now = (ctx: ReconcileContext): Date => new Date(ctx.now);

/** A record matched to a person in this batch: linked with no base yet. */
const newLinkWrite = (row: SnapshotRow, canonicalId: string): ReconcileWrite['links'][number] => ({
  connectionId: row.connectionId,
  externalId: row.externalId,
  canonicalId,
  base: null,
  baseHash: null,
  extras: (row.extras ?? {}) as Record<string, unknown>,
});

function sideOf(link: Link, snap: SnapshotRow | undefined): SideState {
  const base = (link.base ?? null) as Projection | null;
  let current: Projection | null;
  if (!snap)
    current = base; // created by a push and not pulled yet: holds what we wrote
  else if (snap.goneAt) current = null;
  else if (snap.lastSeenAt < link.updatedAt && base)
    current = base; // read before our last write landed: stale
  else current = snap.projection as Projection;
  return {
    connectionId: link.connectionId,
    externalId: link.externalId,
    base,
    current,
    updatedAt: snap?.remoteUpdatedAt?.toISOString() ?? null,
  };
}

/**
 * Links unlinked records to people: the worker reads the candidates (people holding any of the
 * batch's keys, and where they are linked); the pure batch matcher decides.
 */
async function matchUnlinked(db: Db, unlinked: SnapshotRow[], runOf: RunOf, write: ReconcileWrite) {
  const keyList: { kind: 'email' | 'phone'; value: string }[] = [];
  for (const r of unlinked) {
    const mk = matchKeys(r.projection as Projection);
    for (const value of mk.emails) keyList.push({ kind: 'email', value });
    for (const value of mk.phones) keyList.push({ kind: 'phone', value });
  }
  const hits = await candidatesByKeys(db, keyList);
  const candidateIds = [...new Set(hits.map((h) => h.canonicalId))];
  const [canons, candLinks] = await Promise.all([
    canonicalsByIds(db, candidateIds),
    linksByCanonical(db, candidateIds),
  ]);
  const linkedIn = groupBy(candLinks, (l) => l.canonicalId);
  const known: BatchPerson[] = (canons as CanonicalContact[]).map((c) => ({
    canonicalId: c.id,
    canonical: c.data as Canonical,
    linkedConnections: (linkedIn.get(c.id) ?? []).map((l) => l.connectionId),
  }));
  const records = unlinked.map((row) => ({
    row,
    connectionId: row.connectionId,
    externalId: row.externalId,
    projection: row.projection as Projection,
    updatedAt: row.remoteUpdatedAt?.toISOString() ?? null,
  }));
  const matched = matchBatch(records, known, randomUUID);
  for (const { record, conflict } of matched.conflicts)
    write.conflicts.push(conflictWrite(conflict, runOf(record.row)));
  const links = new Map<string, SnapshotRow[]>();
  for (const [id, list] of matched.links)
    links.set(
      id,
      list.map((r) => r.row),
    );
  return { links, fresh: matched.fresh };
}

function conflictWrite(c: ConflictEntry, runId: string | null): ConflictWrite {
  // The same conflict seen again (same cell, same values) is one entry; different values are a new one.
  // A matching report is about one record: two duplicates of one person are two entries.
  const about = (s: ConflictEntry['sides'][number]) =>
    c.kind === 'field' ? [s.connectionId, s.value] : [s.connectionId, s.externalId, s.value];
  const dedupeKey = sha256(`${conflictKey(c)}\u0000${JSON.stringify(c.sides.map(about))}`);
  return {
    dedupeKey,
    kind: c.kind,
    canonicalId: c.canonicalId,
    connectionId: c.sides[0]?.connectionId ?? null,
    field: c.field,
    base: c.base,
    sides: c.sides,
    chosen: c.chosen,
    rule: c.rule,
    status: c.status,
    runId,
    ...(c.candidates ? { sides: c.sides.map((s) => ({ ...s, candidates: c.candidates })) } : {}),
  };
}

function reportWrite(r: ReportEntry, runId: string | null): ConflictWrite {
  return {
    dedupeKey: sha256(['report', r.kind, r.canonicalId, r.connectionId, r.externalId, r.field, r.value].join('\u0000')),
    kind: r.kind,
    canonicalId: r.canonicalId,
    connectionId: r.connectionId,
    field: r.field,
    base: null,
    sides: r.externalId ? [{ connectionId: r.connectionId, externalId: r.externalId, value: r.value }] : [],
    chosen: r.value,
    rule: r.message,
    status: 'info',
    runId,
  };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const kk = key(it);
    const list = m.get(kk);
    if (list) list.push(it);
    else m.set(kk, [it]);
  }
  return m;
}
