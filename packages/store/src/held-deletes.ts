import type { Db } from './client.ts';

/** Deletes the mass-delete guard held back, as the admin decision on them reads and closes them. */
export interface HeldDeleteRow {
  id: string;
  connectionId: string;
  externalId: string;
  createdAt: Date;
}

/** Up to `take` still-held deletes (of these ids and/or this connection), in id order. */
export const heldDeleteBatch = (db: Db, sel: { ids?: string[]; connectionId?: string }, take: number) =>
  db.heldDelete.findMany({
    where: {
      status: 'held',
      ...(sel.ids ? { id: { in: sel.ids } } : {}),
      ...(sel.connectionId ? { connectionId: sel.connectionId } : {}),
    },
    orderBy: { id: 'asc' },
    take,
  });

/** The status of each of these held deletes that exists. */
export async function heldDeleteStatuses(db: Db, ids: string[]): Promise<Map<string, string>> {
  const rows = await db.heldDelete.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } });
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Locks the ones of these that are still held (another admin may have decided meanwhile). */
export const lockStillHeld = (db: Db, ids: string[]) =>
  db.$queryRaw<HeldDeleteRow[]>`
    SELECT id, "connectionId", "externalId", "createdAt" FROM held_deletes
    WHERE id = ANY(${ids}::uuid[]) AND status = 'held' FOR UPDATE`;

/** Removes the links of these records and returns them. */
export async function unlinkRecords(db: Db, connectionId: string, externalIds: string[]) {
  const links = await db.link.findMany({ where: { connectionId, externalId: { in: externalIds } } });
  await db.link.deleteMany({ where: { connectionId, externalId: { in: externalIds } } });
  return links;
}

/**
 * Closes holds with a decision, decided now (Postgres' clock); an older decision of the same
 * status on the same record (held again later) gives way.
 */
export async function closeHolds(db: Db, held: HeldDeleteRow[], status: 'confirmed' | 'rejected'): Promise<void> {
  if (held.length === 0) return;
  await db.heldDelete.deleteMany({
    where: { status, OR: held.map((h) => ({ connectionId: h.connectionId, externalId: h.externalId })) },
  });
  await db.$executeRaw`UPDATE held_deletes SET status = ${status}, "decidedAt" = now() WHERE id = ANY(${held.map((h) => h.id)}::uuid[])`;
}
