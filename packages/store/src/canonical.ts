import type { Db } from './client.ts';
import type { CanonicalContact } from './generated/prisma/client.ts';

export type { CanonicalContact };

export async function canonicalsByIds(db: Db, ids: string[]): Promise<CanonicalContact[]> {
  if (ids.length === 0) return [];
  return db.canonicalContact.findMany({ where: { id: { in: ids } } });
}

/** Canonical records holding any of the given normalized keys (for matching unlinked records). */
export async function candidatesByKeys(
  db: Db,
  keys: { kind: 'email' | 'phone'; value: string }[],
): Promise<{ kind: string; value: string; canonicalId: string }[]> {
  if (keys.length === 0) return [];
  return db.$queryRaw`
    SELECT k.kind, k.value, k."canonicalId" FROM canonical_keys k
    JOIN canonical_contacts c ON c.id = k."canonicalId" AND c."deletedAt" IS NULL AND c."mergedIntoId" IS NULL
    JOIN unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.value)}::text[]) AS q(kind, value)
      ON k.kind = q.kind AND k.value = q.value`;
}

/** Locks canonical rows for the rest of the transaction: no two reconciles touch one record at once. */
export async function lockCanonicals(tx: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.$queryRaw`SELECT id FROM canonical_contacts WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
}

/** Canonicals whose planning was deferred behind unfinished ops and whose ops are now all finished. */
export async function recheckReady(db: Db, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT c.id FROM canonical_contacts c
    WHERE c.recheck AND NOT EXISTS (
      SELECT 1 FROM outbox_ops o WHERE o."canonicalId" = c.id AND o.status IN ('pending', 'in_flight'))
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

export async function readCursor(db: Db, id = 'global'): Promise<bigint> {
  const row = await db.reconcileCursor.findUnique({ where: { id } });
  return row?.lastSeq ?? 0n;
}

export async function writeCursor(db: Db, lastSeq: bigint, id = 'global'): Promise<void> {
  await db.reconcileCursor.upsert({ where: { id }, create: { id, lastSeq }, update: { lastSeq } });
}

export async function detachmentsOf(
  db: Db,
  canonicalIds: string[],
): Promise<{ canonicalId: string; connectionId: string }[]> {
  if (canonicalIds.length === 0) return [];
  return db.detachment.findMany({
    where: { canonicalId: { in: canonicalIds } },
    select: { canonicalId: true, connectionId: true },
  });
}
