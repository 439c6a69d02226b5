import type { CanonicalContact, Link } from './generated/prisma/client.ts';
import type { SnapshotRow } from './snapshots.ts';
import type { SqlDb } from './sql-lane.ts';

/** What a reconcile batch reads of a person's canonical record (`readBatchPeople`). */
export type BatchCanonical = Pick<
  CanonicalContact,
  'id' | 'data' | 'contentHash' | 'mergedIntoId' | 'recheck' | 'deletedAt'
>;

/** What a reconcile batch reads of a link (`readBatchPeople`). */
export type BatchLink = Pick<Link, 'connectionId' | 'externalId' | 'canonicalId' | 'base' | 'updatedAt'>;

/** What a reconcile batch reads of a link's snapshot row (`readBatchPeople`); a `SnapshotRow` is one. */
export type BatchSnapshot = Omit<SnapshotRow, 'lastSeenRunId' | 'sameAsBase'>;

/** Everything a reconcile batch reads about its people, from one statement (`readBatchPeople`). */
export interface BatchPeople {
  canonicals: BatchCanonical[];
  links: BatchLink[];
  /** The snapshot rows of those links; a row whose content hash is its link's base hash holds that base object itself. */
  snapshots: BatchSnapshot[];
  detachments: { canonicalId: string; connectionId: string }[];
  /** Connections with a pending or in-flight op, per canonical. */
  unfinished: { canonicalId: string; connectionId: string }[];
}

/** Timestamps travel as epoch milliseconds (`timestamp(3)` read as UTC, as Prisma reads it). */
type Ms = number | null;
const date = (ms: Ms): Date | null => (ms === null ? null : new Date(ms));

/**
 * A link and its snapshot: connectionId, externalId, base, updatedAt, then (null without a
 * snapshot row) sameAsBase, projection (null when sameAsBase), extras, remoteUpdatedAt, goneAt,
 * lastSeenAt, quarantinedAt, changeSeq (as text: a bigint).
 */
type LinkTuple = [string, string, unknown, number, boolean | null, unknown, unknown, Ms, Ms, Ms, Ms, string | null];

/** A person: id, found, data, contentHash, mergedIntoId, recheck, deletedAt, detached, busy, links. */
type PersonTuple = [
  string,
  boolean,
  unknown,
  string | null,
  string | null,
  boolean | null,
  Ms,
  string[] | null,
  string[] | null,
  LinkTuple[] | null,
];

/**
 * The people of a reconcile batch — those linked to any of `records`, and `ids` — with their
 * canonical records, links, the links' snapshot rows, detachments and connections with an
 * unfinished op, in one statement (it replaces six round trips through the query builder).
 * The answer is one JSON text (a positional array per person holding their links, timestamps
 * as epoch milliseconds), parsed at once: decoding ~1,600 rows of a batch column by column
 * through the driver cost several times the query. Only the columns the planner reads are sent.
 * A snapshot whose content hash equals its link's base hash is not sent: the base stands for it
 * (the same object, which tells the core it need not normalize or merge that side).
 */
export async function readBatchPeople(
  db: SqlDb,
  records: readonly { connectionId: string; externalId: string }[],
  ids: readonly string[],
): Promise<BatchPeople> {
  const out: BatchPeople = { canonicals: [], links: [], snapshots: [], detachments: [], unfinished: [] };
  if (records.length === 0 && ids.length === 0) return out;
  const [row] = await db.$queryRaw<{ j: string | null }[]>`
    WITH ids AS (
      SELECT l."canonicalId" AS id FROM links l
      JOIN unnest(${records.map((r) => r.connectionId)}::text[], ${records.map((r) => r.externalId)}::text[]) AS k(c, e)
        ON l."connectionId" = k.c AND l."externalId" = k.e
      UNION
      SELECT unnest(${[...ids]}::uuid[]))
    SELECT json_agg(json_build_array(ids.id, c.id IS NOT NULL, c.data, c."contentHash", c."mergedIntoId", c.recheck,
        (extract(epoch FROM c."deletedAt") * 1000)::bigint,
        (SELECT array_agg(d."connectionId") FROM detachments d WHERE d."canonicalId" = ids.id),
        -- The status in the aggregate's filter, not the WHERE: by (status, connectionId) Postgres
        -- walks every index entry left by ops that were pending before they ended (34 pages a
        -- person at 10,000 people after an initial sync); a person's own ops are a few.
        (SELECT array_agg(o."connectionId") FILTER (WHERE o.status IN ('pending', 'in_flight')) FROM outbox_ops o
          WHERE o."canonicalId" = ids.id),
        (SELECT json_agg(json_build_array(l."connectionId", l."externalId", l.base,
            (extract(epoch FROM l."updatedAt") * 1000)::bigint,
            CASE WHEN s."externalId" IS NOT NULL THEN COALESCE(s."contentHash" = l."baseHash", false) END,
            CASE WHEN s."contentHash" = l."baseHash" THEN NULL ELSE s.projection END, s.extras,
            (extract(epoch FROM s."remoteUpdatedAt") * 1000)::bigint, (extract(epoch FROM s."goneAt") * 1000)::bigint,
            (extract(epoch FROM s."lastSeenAt") * 1000)::bigint, (extract(epoch FROM s."quarantinedAt") * 1000)::bigint,
            s."changeSeq"::text))
          FROM links l
          LEFT JOIN snapshot_records s ON s."connectionId" = l."connectionId" AND s."externalId" = l."externalId"
          WHERE l."canonicalId" = ids.id)) ORDER BY ids.id)::text AS j
    FROM ids LEFT JOIN canonical_contacts c ON c.id = ids.id`;
  const people = row?.j ? (JSON.parse(row.j) as PersonTuple[]) : [];
  for (const [id, found, data, contentHash, mergedIntoId, recheck, deletedAt, detached, busy, links] of people) {
    if (found)
      out.canonicals.push({
        id,
        data: data as CanonicalContact['data'],
        contentHash: contentHash!,
        mergedIntoId,
        recheck: recheck!,
        deletedAt: date(deletedAt),
      });
    for (const connectionId of detached ?? []) out.detachments.push({ canonicalId: id, connectionId });
    for (const connectionId of busy ?? []) out.unfinished.push({ canonicalId: id, connectionId });
    for (const t of links ?? []) {
      const link: BatchLink = {
        connectionId: t[0],
        externalId: t[1],
        canonicalId: id,
        base: t[2] as Link['base'],
        updatedAt: new Date(t[3]),
      };
      out.links.push(link);
      if (t[4] === null) continue; // no snapshot row
      out.snapshots.push({
        connectionId: link.connectionId,
        externalId: link.externalId,
        projection: t[4] ? link.base : t[5],
        extras: t[6],
        remoteUpdatedAt: date(t[7]),
        goneAt: date(t[8]),
        lastSeenAt: new Date(t[9]!),
        quarantinedAt: date(t[10]),
        changeSeq: BigInt(t[11]!),
      });
    }
  }
  return out;
}

/**
 * A changed snapshot row: connectionId, externalId, projection (null when sameAsBase), extras,
 * remoteUpdatedAt, goneAt, changeSeq, lastSeenRunId, lastSeenAt, quarantinedAt, sameAsBase.
 */
type ChangeTuple = [string, string, unknown, unknown, Ms, Ms, string, string | null, number, Ms, boolean];

/** The reconciler's cursor and the snapshot rows changed after it (`readChangesAfterCursor`). */
interface ChangedRows {
  cursor: bigint;
  rows: SnapshotRow[];
}

/**
 * The reconciler's cursor and the next batch of snapshot rows changed since it (up to a committed
 * bound), in change order, in one statement: what `readCursor` then `readChangedSince` return
 * (the same rows, a row whose content hash equals its link's base hash without its projection),
 * read as one JSON text like `readBatchPeople`.
 */
export async function readChangesAfterCursor(
  db: SqlDb,
  upTo: bigint,
  limit: number,
  id = 'global',
  /** Read after this change number instead of the stored cursor (a batch read ahead: the cursor will be there). */
  after: bigint | null = null,
): Promise<ChangedRows> {
  const [row] = await db.$queryRaw<{ cursor: string; j: string | null }[]>`
    WITH cur AS (SELECT COALESCE(${after}::bigint, (SELECT "lastSeq" FROM reconcile_cursors WHERE id = ${id}), 0) AS seq)
    SELECT (SELECT seq FROM cur)::text AS cursor,
      (SELECT json_agg(json_build_array(b."connectionId", b."externalId", b.projection, b.extras, b."remoteUpdatedAt",
          b."goneAt", b."changeSeq"::text, b."lastSeenRunId", b."lastSeenAt", b."quarantinedAt", b."sameAsBase")
          ORDER BY b."changeSeq")
        FROM (
          SELECT s."connectionId", s."externalId",
            CASE WHEN s."contentHash" = l."baseHash" THEN NULL ELSE s.projection END AS projection, s.extras,
            (extract(epoch FROM s."remoteUpdatedAt") * 1000)::bigint AS "remoteUpdatedAt",
            (extract(epoch FROM s."goneAt") * 1000)::bigint AS "goneAt", s."changeSeq", s."lastSeenRunId",
            (extract(epoch FROM s."lastSeenAt") * 1000)::bigint AS "lastSeenAt",
            (extract(epoch FROM s."quarantinedAt") * 1000)::bigint AS "quarantinedAt",
            COALESCE(s."contentHash" = l."baseHash", false) AS "sameAsBase"
          -- The batch's rows first, by the change-number index, then each one's link by its key: the
          -- cursor is read in the statement, so the planner cannot size the range, and with a join
          -- over it at 100,000 people it chose to hash every link and snapshot row (566 ms a batch).
          FROM (
            SELECT "connectionId", "externalId", "contentHash", projection, extras, "remoteUpdatedAt", "goneAt",
              "changeSeq", "lastSeenRunId", "lastSeenAt", "quarantinedAt"
            FROM snapshot_records
            WHERE "changeSeq" > (SELECT seq FROM cur) AND "changeSeq" <= ${upTo}
            ORDER BY "changeSeq"
            LIMIT ${limit}) s
          LEFT JOIN LATERAL (
            SELECT l."baseHash" FROM links l
            WHERE l."connectionId" = s."connectionId" AND l."externalId" = s."externalId"
            LIMIT 1) l ON true) b)::text AS j`;
  const tuples = row!.j === null ? [] : (JSON.parse(row!.j) as ChangeTuple[]);
  return {
    cursor: BigInt(row!.cursor),
    rows: tuples.map((t) => ({
      connectionId: t[0],
      externalId: t[1],
      projection: t[2],
      extras: t[3],
      remoteUpdatedAt: date(t[4]),
      goneAt: date(t[5]),
      changeSeq: BigInt(t[6]),
      lastSeenRunId: t[7],
      lastSeenAt: new Date(t[8]),
      quarantinedAt: date(t[9]),
      sameAsBase: t[10],
    })),
  };
}
