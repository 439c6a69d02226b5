import {
  type Canonical,
  type ConflictEntry,
  conflictKey,
  contentHash,
  matchKeys,
  type Projection,
  type ReconcileContext,
  type ReportEntry,
  type SideState,
  sha256,
} from '@contact-sync/core';
import type {
  BatchCanonical,
  BatchLink,
  BatchSnapshot,
  ConflictWrite,
  ReconcileWrite,
  SnapshotRow,
} from '@contact-sync/store';

/** The pieces a reconcile batch builds its reads and writes from (no decisions here). */

/** Run ids the ops and conflicts of a canonical are counted under (the pull that brought the change). */
export type RunOf = (row: SnapshotRow | undefined) => string | null;

/** The key of a record: connection and external id. */
export const k = (connectionId: string, externalId: string) => `${connectionId}\u0000${externalId}`;

export const now = (ctx: ReconcileContext): Date => new Date(ctx.now);

/** A record matched to a person in this batch: linked with no base yet. */
export const newLinkWrite = (row: SnapshotRow, canonicalId: string): ReconcileWrite['links'][number] => ({
  connectionId: row.connectionId,
  externalId: row.externalId,
  canonicalId,
  base: null,
  baseHash: null,
  extras: (row.extras ?? {}) as Record<string, unknown>,
});

export function sideOf(link: BatchLink, snap: BatchSnapshot | undefined): SideState {
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

export function storeCanonical(
  write: ReconcileWrite,
  canonicalId: string,
  canonical: Canonical,
  /** The stored row, when the canonical need not be written if unchanged. */
  existing?: BatchCanonical,
): void {
  const hash = contentHash(canonical);
  // Unchanged, live, and no op planned from it (the update guard reads the canonicals written):
  // the upsert would leave the row as it is (it writes only a different hash or deletedAt), and its
  // match keys, a function of the record written with it whenever it changes, are the ones stored.
  if (existing && !existing.deletedAt && existing.contentHash === hash) return;
  write.canonicals.push({ id: canonicalId, data: canonical, contentHash: hash, deleted: false });
  const keys = matchKeys(canonical);
  for (const value of keys.emails) write.keys.push({ canonicalId, kind: 'email', value });
  for (const value of keys.phones) write.keys.push({ canonicalId, kind: 'phone', value });
  write.keyOwners.push(canonicalId);
}

export function conflictWrite(c: ConflictEntry, runId: string | null): ConflictWrite {
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

export function reportWrite(r: ReportEntry, runId: string | null): ConflictWrite {
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

export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const kk = key(it);
    const list = m.get(kk);
    if (list) list.push(it);
    else m.set(kk, [it]);
  }
  return m;
}
