import type { Db } from './client.ts';
import { type ConflictFilter, conflictWhere } from './conflicts.ts';
import { typedHeldChangeSet } from './held-changes.ts';

/**
 * The admin surfaces' lists, newest first, paged by keyset: a page is the rows strictly after
 * the last item of the previous one in (time desc, id desc) order, one index range scan however
 * deep. Each takes `limit + 1` rows so the caller knows whether a next page exists.
 */
export interface Keyset {
  at: Date;
  id: string;
}

export interface PageRequest {
  limit: number;
  after: Keyset | null;
}

const after = <K extends string>(field: K, k: Keyset | null): Record<string, unknown> =>
  k ? { OR: [{ [field]: { lt: k.at } }, { [field]: k.at, id: { lt: k.id } }] } : {};
const newest = (field: string) => [{ [field]: 'desc' as const }, { id: 'desc' as const }];

export const runsPage = (db: Db, p: PageRequest & { connectionId?: string; kind?: string }) =>
  db.syncRun.findMany({
    where: {
      ...(p.connectionId ? { connectionId: p.connectionId } : {}),
      ...(p.kind ? { kind: p.kind } : {}),
      ...after('startedAt', p.after),
    },
    orderBy: newest('startedAt'),
    take: p.limit + 1,
  });

/** A run, or null. */
export const findRun = (db: Db, id: string) => db.syncRun.findUnique({ where: { id } });

/** The runs a run started (a resync's pulls), oldest first. */
export const childRuns = (db: Db, parentRunId: string) =>
  db.syncRun.findMany({ where: { parentRunId }, orderBy: { startedAt: 'asc' } });

export const opsPage = (db: Db, p: PageRequest & { status?: string; connectionId?: string; kind?: string }) =>
  db.outboxOp.findMany({
    where: {
      ...(p.status ? { status: p.status } : {}),
      ...(p.connectionId ? { connectionId: p.connectionId } : {}),
      ...(p.kind ? { kind: p.kind } : {}),
      ...after('createdAt', p.after),
    },
    orderBy: newest('createdAt'),
    take: p.limit + 1,
  });

/** Which of these op ids exist. */
export async function existingOpIds(db: Db, ids: string[]): Promise<Set<string>> {
  const rows = await db.outboxOp.findMany({ where: { id: { in: ids } }, select: { id: true } });
  return new Set(rows.map((o) => o.id));
}

/** Up to `take` failed op ids (of these ids, or of a connection), in id order. */
export async function failedOpIds(
  db: Db,
  sel: { ids?: string[]; connectionId?: string },
  take: number,
): Promise<string[]> {
  const rows = await db.outboxOp.findMany({
    where: {
      status: 'failed',
      ...(sel.ids ? { id: { in: sel.ids } } : {}),
      ...(sel.connectionId ? { connectionId: sel.connectionId } : {}),
    },
    select: { id: true },
    orderBy: { id: 'asc' },
    take,
  });
  return rows.map((r) => r.id);
}

export const quarantinePage = (db: Db, p: PageRequest & { connectionId?: string }) =>
  db.quarantinedRecord.findMany({
    where: { ...(p.connectionId ? { connectionId: p.connectionId } : {}), ...after('createdAt', p.after) },
    orderBy: newest('createdAt'),
    take: p.limit + 1,
  });

export const heldDeletesPage = (db: Db, p: PageRequest & { connectionId?: string; status?: string }) =>
  db.heldDelete.findMany({
    where: {
      ...(p.connectionId ? { connectionId: p.connectionId } : {}),
      ...(p.status ? { status: p.status } : {}),
      ...after('createdAt', p.after),
    },
    orderBy: newest('createdAt'),
    take: p.limit + 1,
  });

/** The last pulled projection and the link (person) of each record, keyed `connectionId\0externalId`. */
export async function recordsOf(
  db: Db,
  keys: { connectionId: string; externalId: string }[],
): Promise<{ projection: Map<string, unknown>; canonicalId: Map<string, string> }> {
  const k = (c: string, e: string) => `${c}\u0000${e}`;
  if (keys.length === 0) return { projection: new Map(), canonicalId: new Map() };
  const [snaps, links] = await Promise.all([
    db.snapshotRecord.findMany({
      where: { OR: keys },
      select: { connectionId: true, externalId: true, projection: true },
    }),
    db.link.findMany({ where: { OR: keys }, select: { connectionId: true, externalId: true, canonicalId: true } }),
  ]);
  return {
    projection: new Map(snaps.map((s) => [k(s.connectionId, s.externalId), s.projection])),
    canonicalId: new Map(links.map((l) => [k(l.connectionId, l.externalId), l.canonicalId])),
  };
}

/** The conflict report, newest first. */
export const conflictsPage = (db: Db, p: PageRequest & ConflictFilter) =>
  db.conflict.findMany({
    where: { AND: [conflictWhere(p), after('createdAt', p.after)] },
    orderBy: newest('createdAt'),
    take: p.limit + 1,
  });

/** Change sets the update guard held, newest first. */
export async function heldChangeSetsPage(db: Db, p: PageRequest & { status?: string | undefined }) {
  const rows = await db.heldChangeSet.findMany({
    where: { ...(p.status ? { status: p.status } : {}), ...after('createdAt', p.after) },
    orderBy: newest('createdAt'),
    take: p.limit + 1,
  });
  return rows.map(typedHeldChangeSet);
}
