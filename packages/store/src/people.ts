import { type Canonical, contentHash, emptyCanonical, type Projection } from '@contact-sync/core';
import type { Db } from './client.ts';
import type { CanonicalContact, SnapshotRecord } from './generated/prisma/client.ts';
import { jsonParam, toJson } from './json.ts';
import { canonicalOf, projectionOf } from './typed-json.ts';

/** Reads about people (canonical records) for the admin surfaces: lookup, their links, their writes. */

/** A person by id, with the person it was merged into (if any); null when there is none. */
export const findPerson = (db: Db, id: string) =>
  db.canonicalContact.findUnique({ where: { id }, select: { id: true, mergedIntoId: true } });

/** The people holding a canonical key (an e-mail or a phone, normalized as the keys hold them). */
export async function holdersOfKey(db: Db, key: { kind: string; value: string }): Promise<string[]> {
  const hits = await db.canonicalKey.findMany({ where: key, select: { canonicalId: true } });
  return [...new Set(hits.map((h) => h.canonicalId))];
}

/** A person's outbox ops (the writes to providers), newest first. */
export const opsOfPerson = (db: Db, canonicalId: string, limit: number) =>
  db.outboxOp.findMany({ where: { canonicalId }, orderBy: { createdAt: 'desc' }, take: limit });

/** These people's canonical rows and all their links (by connection). */
export const peopleAndLinks = (db: Db, ids: string[]) =>
  Promise.all([
    db.canonicalContact.findMany({ where: { id: { in: ids } } }),
    db.link.findMany({ where: { canonicalId: { in: ids } }, orderBy: { connectionId: 'asc' } }),
  ]);

/** A snapshot row with its projection parsed. */
export type RecordSnapshot = Omit<SnapshotRecord, 'projection'> & { projection: Projection };

const typedSnapshot = (s: SnapshotRecord): RecordSnapshot => ({ ...s, projection: projectionOf(s.projection) });

/** The snapshot rows of these records (gone ones included). */
export async function snapshotsOf(
  db: Db,
  keys: { connectionId: string; externalId: string }[],
): Promise<RecordSnapshot[]> {
  if (keys.length === 0) return [];
  const rows = await db.snapshotRecord.findMany({ where: { OR: keys } });
  return rows.map(typedSnapshot);
}

/** The snapshot row of one provider record (gone or not), or null. */
export async function snapshotAt(
  db: Db,
  at: { connectionId: string; externalId: string },
): Promise<RecordSnapshot | null> {
  const row = await db.snapshotRecord.findUnique({ where: { connectionId_externalId: at } });
  return row && typedSnapshot(row);
}

/** Every link with its person (the convergence check reads them all). */
export const allLinksWithPeople = (db: Db) => db.link.findMany({ include: { canonical: true } });

/** Every snapshot row's projection and whether it is gone. */
export const allSnapshotProjections = (db: Db) =>
  db.snapshotRecord.findMany({ select: { connectionId: true, externalId: true, projection: true, goneAt: true } });

/** Up to `take` live people with an e-mail key and no record in the connection (with their e-mail keys). */
export const peopleWithoutRecordIn = (db: Db, connectionId: string, take: number) =>
  db.canonicalContact.findMany({
    where: { deletedAt: null, links: { none: { connectionId } }, keys: { some: { kind: 'email' } } },
    include: { keys: { where: { kind: 'email' } } },
    orderBy: { id: 'asc' },
    take,
  });

/** A canonical row with its record parsed. */
export type PersonRow = Omit<CanonicalContact, 'data'> & { data: Canonical };

const typedPerson = (row: CanonicalContact): PersonRow => ({ ...row, data: canonicalOf(row.data) });

/** One person's row (deleted and merged ones included); null when there is none. */
export async function personRow(db: Db, id: string): Promise<PersonRow | null> {
  const row = await db.canonicalContact.findUnique({ where: { id } });
  return row && typedPerson(row);
}

/** One person's row, which must exist (read back inside the decision that wrote it). */
export async function personRowOrThrow(db: Db, id: string): Promise<PersonRow> {
  return typedPerson(await db.canonicalContact.findUniqueOrThrow({ where: { id } }));
}

/** These people's rows (those that exist, in no order). */
export async function personRows(db: Db, ids: string[]): Promise<PersonRow[]> {
  const rows = await db.canonicalContact.findMany({ where: { id: { in: ids } } });
  return rows.map(typedPerson);
}

/** These people's records by id (for comparing a held write with what the person holds now). */
export async function personDataByIds(db: Db, ids: string[]): Promise<Map<string, Canonical>> {
  const rows = await db.canonicalContact.findMany({ where: { id: { in: ids } }, select: { id: true, data: true } });
  return new Map(rows.map((p) => [p.id, canonicalOf(p.data)]));
}

/** These people's records with the records linked to them (a matching conflict's candidates). */
export async function peopleWithRecords(db: Db, ids: string[]) {
  const rows = await db.canonicalContact.findMany({
    where: { id: { in: ids } },
    include: { links: { select: { connectionId: true, externalId: true } } },
  });
  return rows.map((r) => ({ ...r, data: canonicalOf(r.data) }));
}

/** How many of these people's outbox ops are in one of the statuses (a push under way, a held one). */
export const opCountOfPeople = (db: Db, canonicalIds: string[], statuses: string[]) =>
  db.outboxOp.count({ where: { canonicalId: { in: canonicalIds }, status: { in: statuses } } });

/**
 * A new person stored empty: the re-plan that follows fills them, so the ledger shows each value
 * they take, with the decision as cause.
 */
export async function createEmptyPerson(db: Db, id: string): Promise<void> {
  const empty = emptyCanonical();
  await db.canonicalContact.create({ data: { id, data: toJson(empty), contentHash: contentHash(empty) } });
}

/** Locks one person's row for the rest of the transaction. */
export async function lockPerson(db: Db, id: string): Promise<void> {
  await db.$queryRaw`SELECT id FROM canonical_contacts WHERE id = ${id}::uuid FOR UPDATE`;
}

/** A found person of the admin search: their record and the connections they have records in. */
export interface PersonSearchRow {
  id: string;
  data: Canonical;
  connections: string[];
}

/**
 * Live people (not deleted, not merged) whose display name or full name matches `like`, or who
 * hold an e-mail matching it or the phone (`e164` exactly, or digits `phoneLike`), by display name.
 */
export async function searchPeopleRows(
  db: Db,
  q: { like: string; e164: string | null; phoneLike: string | null; limit: number },
): Promise<PersonSearchRow[]> {
  const { like, e164, phoneLike, limit } = q;
  const rows = await db.$queryRaw<{ id: string; data: unknown; connections: string[] }[]>`
    SELECT c.id::text AS id, c.data,
      COALESCE((SELECT array_agg(DISTINCT l."connectionId") FROM links l WHERE l."canonicalId" = c.id), '{}') AS connections
    FROM canonical_contacts c
    WHERE c."deletedAt" IS NULL AND c."mergedIntoId" IS NULL AND (
      c.data->>'displayName' ILIKE ${like}
      OR concat_ws(' ', c.data->>'givenName', c.data->>'middleName', c.data->>'familyName') ILIKE ${like}
      OR c.id IN (
        SELECT k."canonicalId" FROM canonical_keys k
        WHERE (k.kind = 'email' AND k.value ILIKE ${like})
           OR (k.kind = 'phone' AND (k.value = ${e164} OR (${phoneLike}::text IS NOT NULL AND k.value LIKE ${phoneLike})))))
    ORDER BY c.data->>'displayName' NULLS LAST, c.id
    LIMIT ${limit}`;
  return rows.map((r) => ({ ...r, data: canonicalOf(r.data) }));
}

/** A person's outbox ops in one of the statuses, oldest first. */
export const opsOfPersonIn = (db: Db, canonicalId: string, statuses: string[]) =>
  db.outboxOp.findMany({ where: { canonicalId, status: { in: statuses } }, orderBy: { createdAt: 'asc' } });

/** Quarantined entries of these records, newest first (at most 50). */
export const quarantinedOfRecords = (db: Db, keys: { connectionId: string; externalId: string }[]) =>
  keys.length === 0
    ? Promise.resolve([])
    : db.quarantinedRecord.findMany({ where: { OR: keys }, orderBy: { createdAt: 'desc' }, take: 50 });

/** Live snapshot rows holding this e-mail that are not this person's records (at most 20), with whom they link to. */
export const recordsWithEmailNotOf = (db: Db, canonicalId: string, email: string) =>
  db.$queryRaw<{ connectionId: string; externalId: string; linkedTo: string | null }[]>`
      SELECT s."connectionId", s."externalId", l."canonicalId"::text AS "linkedTo"
      FROM snapshot_records s
      LEFT JOIN links l ON l."connectionId" = s."connectionId" AND l."externalId" = s."externalId"
      WHERE s."goneAt" IS NULL AND s.projection @> ${jsonParam({ emails: [{ value: email }] })}::jsonb
        AND l."canonicalId" IS DISTINCT FROM ${canonicalId}::uuid
      LIMIT 20`;

/** Every outbox op of a person, oldest first. */
export const allOpsOfPerson = (db: Db, canonicalId: string) =>
  db.outboxOp.findMany({ where: { canonicalId }, orderBy: { createdAt: 'asc' } });
