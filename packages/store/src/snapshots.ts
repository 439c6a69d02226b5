import { hash } from 'node:crypto';
import type { Db } from './client.ts';
import { jsonParam } from './json.ts';
import type { SqlDb } from './sql-lane.ts';

/** One valid record of a pulled page, mapped by its connector. */
export interface SnapshotInput {
  externalId: string;
  raw: unknown;
  projection: unknown;
  extras: Record<string, unknown>;
  contentHash: string;
  remoteUpdatedAt: string | null;
  /** `snapshotRowHash` of the record, when the caller has it already. */
  rowHash?: string;
}

export interface IngestResult {
  /** Records whose content changed (or that came back) in this page. */
  changed: number;
  /** Ids that this pull had already returned on an earlier page: not ingested twice. */
  duplicates: string[];
  /**
   * Postgres's clock as the statement ran (null when the page held no valid record and no
   * statement ran): no later than the next request, so a pull's next page is "seen" at it.
   */
  at: Date | null;
}

/** What a pull records with a page, in the page's own statement (see `ingestPage`). */
export interface PageProgress {
  /** Runs whose `pulled`/`changed` counters the page adds to (the pull's: a resync sums its pulls'). */
  runIds: readonly string[];
  /** The pull's run and where its list read is after this page (saved with it), or null. */
  checkpoint: { runId: string; cursor: string | null; total: number | null; pages: number; shifted: boolean } | null;
}

/**
 * Upserts one page in a single statement. changeSeq moves only when the content hash
 * changes or a gone record comes back, so the reconciler sees exactly what changed —
 * except that a record listed for the first time as its link's base (a record the engine
 * created, listed as it was written) takes none: until then the reconciler took the base for it,
 * so nothing changed. Without this every record a sync created was reconciled again by the next
 * pull, to plan nothing. A record already listed takes a number whenever its hash differs from
 * its row's, even back to its base: a held conflict or a frozen side waits on such a change.
 * A row already seen in this run is left alone (an id repeated across pages).
 * With `progress`, the same statement adds the page to its runs' counters and saves the pull's
 * checkpoint, so that a page costs one round trip besides its transaction's.
 * Call inside `withSeqWrite` (it takes change numbers).
 */
export async function ingestPage(
  db: SqlDb,
  connectionId: string,
  runId: string,
  page: SnapshotInput[],
  /** When the page was requested: a write of ours that landed after it is newer than this data. */
  seenAt: Date,
  progress?: PageProgress,
): Promise<IngestResult> {
  const { byId, duplicates } = distinctRecords(page);
  if (byId.size === 0) return { changed: 0, duplicates, at: null };
  const cp = progress?.checkpoint ?? null;
  const runIds = [...(progress?.runIds ?? [])];
  const rows = [...byId.values()].map((r) => ({
    externalId: r.externalId,
    raw: r.raw,
    projection: r.projection,
    extras: r.extras,
    contentHash: r.contentHash,
    rowHash: r.rowHash,
    remoteUpdatedAt: r.remoteUpdatedAt,
  }));
  // Every part of the statement sees the table as it was before it (`prev`). A listed record that
  // equals its link's base proposes change number 0, which a new row keeps ("nothing changed
  // here"); a row already there keeps its number unless its hash differs or it was gone or
  // quarantined, and then takes a new one. A record changed exactly when its number moved.
  const returned = await db.$queryRaw<{ externalId: string | null; changed: boolean; at: Date }[]>`
    WITH r AS (
      SELECT * FROM jsonb_to_recordset(${jsonParam(rows)}::jsonb) AS r(
        "externalId" text, raw jsonb, projection jsonb, extras jsonb, "contentHash" text, "rowHash" text,
        "remoteUpdatedAt" timestamp(3))),
    prev AS (
      SELECT s."externalId", s."changeSeq"
      FROM snapshot_records s JOIN r ON s."connectionId" = ${connectionId} AND s."externalId" = r."externalId"),
    ins AS (
      INSERT INTO snapshot_records
        ("connectionId", "externalId", raw, projection, extras, "contentHash", "rowHash", "remoteUpdatedAt", "lastSeenRunId",
         "changeSeq", "firstSeenAt", "lastSeenAt")
      SELECT ${connectionId}, r."externalId", r.raw, r.projection, r.extras, r."contentHash", r."rowHash", r."remoteUpdatedAt",
             ${runId}::uuid,
             CASE WHEN l."baseHash" = r."contentHash" THEN 0 ELSE nextval('snapshot_change_seq') END,
             ${seenAt}, ${seenAt}
      FROM r LEFT JOIN links l ON l."connectionId" = ${connectionId} AND l."externalId" = r."externalId"
      ON CONFLICT ("connectionId", "externalId") DO UPDATE SET
        raw = EXCLUDED.raw,
        projection = EXCLUDED.projection,
        extras = EXCLUDED.extras,
        "remoteUpdatedAt" = EXCLUDED."remoteUpdatedAt",
        "lastSeenRunId" = EXCLUDED."lastSeenRunId",
        "lastSeenAt" = EXCLUDED."lastSeenAt",
        "changeSeq" = CASE
          WHEN snapshot_records."contentHash" IS DISTINCT FROM EXCLUDED."contentHash"
            OR snapshot_records."goneAt" IS NOT NULL OR snapshot_records."quarantinedAt" IS NOT NULL
          THEN CASE WHEN EXCLUDED."changeSeq" <> 0 THEN EXCLUDED."changeSeq" ELSE nextval('snapshot_change_seq') END
          ELSE snapshot_records."changeSeq" END,
        "contentHash" = EXCLUDED."contentHash",
        "rowHash" = EXCLUDED."rowHash",
        "goneAt" = NULL,
        "quarantinedAt" = NULL
      WHERE snapshot_records."lastSeenRunId" IS DISTINCT FROM EXCLUDED."lastSeenRunId"
      RETURNING "externalId", "changeSeq"),
    ch AS (
      SELECT i."externalId", (i."changeSeq" IS DISTINCT FROM COALESCE(p."changeSeq", 0)) AS changed
      FROM ins i LEFT JOIN prev p ON p."externalId" = i."externalId"),
    counted AS (
      UPDATE sync_runs SET
        pulled = pulled + ${page.length}::int,
        changed = changed + (SELECT count(*) FROM ch WHERE ch.changed)::int,
        "listCursor" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.cursor ?? null} ELSE "listCursor" END,
        "listTotal" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.total ?? null}::int ELSE "listTotal" END,
        "listPages" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.pages ?? 0}::int ELSE "listPages" END,
        "listShifted" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.shifted ?? false} ELSE "listShifted" END
      WHERE id = ANY(${runIds}::uuid[])
      RETURNING 1)
    SELECT ch."externalId", ch.changed, clock_timestamp() AS at FROM ch
    UNION ALL SELECT NULL, false, clock_timestamp() FROM (SELECT count(*) FROM counted) c`;
  const seen = new Set<string>();
  let changed = 0;
  let at: Date | null = null;
  for (const r of returned) {
    at = r.at;
    if (r.externalId === null) continue;
    seen.add(r.externalId);
    if (r.changed) changed++;
  }
  for (const id of byId.keys()) if (!seen.has(id)) duplicates.push(id);
  return { changed, duplicates, at };
}

/**
 * A page whose every record is listed exactly as its row holds it (same row hash, live, not yet
 * seen by this run), marked seen by id and row hash alone in one statement of its own, with the
 * run's counters and checkpoint: a pull that finds little changed neither sends nor rewrites the
 * unchanged data, and takes no change number (so no transaction, no lock). All or nothing: when
 * one record differs, nothing is written and null says to ingest the page (`ingestPage`) — a page
 * is never half ingested, so a pull resumed after a crash reads it again whole.
 */
export async function ingestUnchangedPage(
  db: SqlDb,
  connectionId: string,
  runId: string,
  page: SnapshotInput[],
  seenAt: Date,
  progress?: PageProgress,
): Promise<IngestResult | null> {
  const { byId, duplicates } = distinctRecords(page);
  if (byId.size === 0) return null;
  const cp = progress?.checkpoint ?? null;
  const ids = [...byId.keys()];
  // A row hash is base64url (no ':'), so "hash:id" names one pair.
  const pairs = [...byId.values()].map((r) => `${r.rowHash}:${r.externalId}`);
  // `m` is read from the statement's snapshot, and every write below is conditioned on all of the
  // page being in it; the update then writes those rows whatever a concurrent writer did to them
  // meanwhile (a record marked gone by a push's 404 an instant before it was listed stays gone).
  const rows = await db.$queryRaw<{ whole: boolean; at: Date }[]>`
    WITH m AS (
      -- One probe of the unique index per id, and each row's hash and id looked up in a hashed
      -- array (a join on the pairs let the planner hash the connection's every row, or compare every
      -- pair with every row: ~2.7 and ~3.5 ms a page at 10,000 people, against ~0.5).
      SELECT s.id FROM snapshot_records s
      WHERE s."connectionId" = ${connectionId} AND s."externalId" = ANY(${ids}::text[])
        AND (s."rowHash" || ':' || s."externalId") = ANY(${pairs}::text[])
        AND s."goneAt" IS NULL AND s."quarantinedAt" IS NULL AND s."lastSeenRunId" IS DISTINCT FROM ${runId}::uuid),
    whole AS (SELECT count(*) = ${ids.length}::int AS yes FROM m),
    seen AS (
      UPDATE snapshot_records s SET "lastSeenRunId" = ${runId}::uuid, "lastSeenAt" = ${seenAt}
      WHERE s.id IN (SELECT id FROM m) AND (SELECT yes FROM whole)
      RETURNING 1),
    counted AS (
      UPDATE sync_runs SET
        pulled = pulled + ${page.length}::int,
        "listCursor" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.cursor ?? null} ELSE "listCursor" END,
        "listTotal" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.total ?? null}::int ELSE "listTotal" END,
        "listPages" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.pages ?? 0}::int ELSE "listPages" END,
        "listShifted" = CASE WHEN id = ${cp?.runId ?? null}::uuid THEN ${cp?.shifted ?? false} ELSE "listShifted" END
      WHERE id = ANY(${[...(progress?.runIds ?? [])]}::uuid[]) AND (SELECT yes FROM whole)
      RETURNING 1)
    SELECT (SELECT yes FROM whole) AS whole, (SELECT count(*) FROM seen) AS marked, (SELECT count(*) FROM counted) AS runs,
           clock_timestamp() AS at`;
  const out = rows[0];
  if (!out?.whole) return null;
  return { changed: 0, duplicates, at: out.at };
}

/** A page's records by id (the first of each), its own repeats apart, each with its row hash. */
function distinctRecords(page: readonly SnapshotInput[]) {
  const byId = new Map<string, SnapshotInput & { rowHash: string }>();
  const duplicates: string[] = [];
  for (const r of page) {
    if (byId.has(r.externalId)) duplicates.push(r.externalId);
    else byId.set(r.externalId, { ...r, rowHash: r.rowHash ?? snapshotRowHash(r) });
  }
  return { byId, duplicates };
}

/**
 * What a page write stores of a record besides its ids, as one hash: two listings with the same
 * row hash would write the same row. (Key order counts: a provider that reorders a record's keys
 * only costs its row a rewrite.)
 */
export function snapshotRowHash(r: SnapshotInput): string {
  return hash(
    'sha1',
    `${r.contentHash}\u0000${r.remoteUpdatedAt ?? ''}\u0000${JSON.stringify(r.raw) ?? ''}\u0000${JSON.stringify(r.extras) ?? ''}`,
    'base64url',
  );
}

export interface GoneSummary {
  /** Records the connection held before this pull (snapshot rows, and records the engine created there). */
  before: number;
  /** Of those, records this pull did not return. */
  vanished: number;
  /** Records this pull returned (valid, or quarantined with a known id). */
  listed: number;
}

/**
 * Gives every record the engine created in this connection and no pull has listed yet a snapshot
 * row holding what was written (the link's base), so that a completed full pull that does not
 * list it sees it vanish like any other record, and the mass-delete guard counts it. Only links
 * made before the pull started: a record created while the pull was listing may rightly be
 * missing from it. The row takes no change number (nothing changed); being marked gone gives it one.
 */
export async function adoptUnlistedLinks(db: Db, connectionId: string, runStartedAt: Date): Promise<number> {
  return db.$executeRaw`
    INSERT INTO snapshot_records
      ("connectionId", "externalId", raw, projection, extras, "contentHash", "firstSeenAt", "lastSeenAt", "changeSeq")
    SELECT l."connectionId", l."externalId", 'null'::jsonb, COALESCE(l.base, '{}'::jsonb), l.extras,
           COALESCE(l."baseHash", ''), l."createdAt", l."createdAt", 0
    FROM links l
    WHERE l."connectionId" = ${connectionId} AND l."createdAt" < ${runStartedAt}
      AND NOT EXISTS (
        SELECT 1 FROM snapshot_records s WHERE s."connectionId" = l."connectionId" AND s."externalId" = l."externalId")
    ON CONFLICT ("connectionId", "externalId") DO NOTHING`;
}

/**
 * Records that this pull returned but that failed validation: they exist, so they are not
 * gone. Their rows keep the last good projection (and `lastSeenAt`, which dates that
 * projection) and are flagged quarantined until they validate again.
 */
export async function markQuarantinedSeen(
  db: Db,
  connectionId: string,
  runId: string,
  externalIds: string[],
): Promise<number> {
  if (externalIds.length === 0) return 0;
  return db.$executeRaw`
    UPDATE snapshot_records SET "lastSeenRunId" = ${runId}::uuid, "quarantinedAt" = COALESCE("quarantinedAt", now())
    WHERE "connectionId" = ${connectionId} AND "externalId" = ANY(${externalIds}::text[]) AND "goneAt" IS NULL`;
}

/** Counts what a completed full pull did not see, to decide on the mass-delete guard. */
export async function countVanished(
  db: Db,
  connectionId: string,
  runId: string,
  runStartedAt: Date,
): Promise<GoneSummary> {
  const rows = await db.$queryRaw<{ before: bigint; vanished: bigint; listed: bigint }[]>`
    SELECT count(*) FILTER (WHERE "firstSeenAt" < ${runStartedAt}) AS before,
           count(*) FILTER (WHERE "lastSeenRunId" IS DISTINCT FROM ${runId}::uuid) AS vanished,
           count(*) FILTER (WHERE "lastSeenRunId" = ${runId}::uuid) AS listed
    FROM snapshot_records
    WHERE "connectionId" = ${connectionId} AND "goneAt" IS NULL`;
  return {
    before: Number(rows[0]?.before ?? 0),
    vanished: Number(rows[0]?.vanished ?? 0),
    listed: Number(rows[0]?.listed ?? 0),
  };
}

/** Marks what a completed full pull did not return as gone (a delete on that side). Inside `withSeqWrite`. */
export async function markVanishedGone(db: SqlDb, connectionId: string, runId: string): Promise<number> {
  return db.$executeRaw`
    UPDATE snapshot_records SET "goneAt" = now(), "changeSeq" = nextval('snapshot_change_seq')
    WHERE "connectionId" = ${connectionId} AND "goneAt" IS NULL AND "lastSeenRunId" IS DISTINCT FROM ${runId}::uuid`;
}

/** Holds what a pull did not return instead of marking it gone (mass-delete guard tripped). */
export async function holdVanished(db: Db, connectionId: string, runId: string): Promise<number> {
  return db.$executeRaw`
    INSERT INTO held_deletes (id, "connectionId", "externalId", "runId", status)
    SELECT gen_random_uuid(), "connectionId", "externalId", ${runId}::uuid, 'held'
    FROM snapshot_records
    WHERE "connectionId" = ${connectionId} AND "goneAt" IS NULL AND "lastSeenRunId" IS DISTINCT FROM ${runId}::uuid
    ON CONFLICT ("connectionId", "externalId", status) DO NOTHING`;
}

/**
 * Closes the holds of records this pull listed again: they exist, so there is nothing to
 * confirm or reject. Status `resolved` with a note; an older resolved hold of the same record
 * gives way (one row per record and status).
 */
export async function resolveReturnedHolds(db: Db, connectionId: string, runId: string): Promise<number> {
  const back = await db.$queryRaw<{ id: string; externalId: string }[]>`
    SELECT h.id, h."externalId" FROM held_deletes h
    JOIN snapshot_records s ON s."connectionId" = h."connectionId" AND s."externalId" = h."externalId"
    WHERE h."connectionId" = ${connectionId} AND h.status = 'held'
      AND s."lastSeenRunId" = ${runId}::uuid AND s."goneAt" IS NULL`;
  if (back.length === 0) return 0;
  await db.$executeRaw`
    DELETE FROM held_deletes WHERE "connectionId" = ${connectionId} AND status = 'resolved'
      AND "externalId" = ANY(${back.map((b) => b.externalId)}::text[])`;
  return db.$executeRaw`
    UPDATE held_deletes SET status = 'resolved', "decidedAt" = now(),
      note = 'listed again by pull ' || ${runId} || ': the record exists, nothing to delete'
    WHERE id = ANY(${back.map((b) => b.id)}::uuid[])`;
}

/**
 * Marks given records gone (a 404 on push, or a confirmed held delete). A linked record no pull
 * has listed yet (the engine created it) gets a gone row holding its base, so the delete is seen
 * all the same. Inside `withSeqWrite`.
 */
export async function markGone(db: SqlDb, connectionId: string, externalIds: string[]): Promise<number> {
  if (externalIds.length === 0) return 0;
  const marked = await db.$executeRaw`
    UPDATE snapshot_records SET "goneAt" = now(), "changeSeq" = nextval('snapshot_change_seq')
    WHERE "connectionId" = ${connectionId} AND "externalId" = ANY(${externalIds}::text[]) AND "goneAt" IS NULL`;
  const tombstones = await db.$executeRaw`
    INSERT INTO snapshot_records
      ("connectionId", "externalId", raw, projection, extras, "contentHash", "firstSeenAt", "lastSeenAt", "goneAt", "changeSeq")
    SELECT l."connectionId", l."externalId", 'null'::jsonb, COALESCE(l.base, '{}'::jsonb), l.extras,
           COALESCE(l."baseHash", ''), l."createdAt", l."createdAt", now(), nextval('snapshot_change_seq')
    FROM links l
    WHERE l."connectionId" = ${connectionId} AND l."externalId" = ANY(${externalIds}::text[])
    ON CONFLICT ("connectionId", "externalId") DO NOTHING`;
  return marked + tombstones;
}

export interface SnapshotRow {
  connectionId: string;
  externalId: string;
  projection: unknown;
  extras: unknown;
  remoteUpdatedAt: Date | null;
  goneAt: Date | null;
  changeSeq: bigint;
  lastSeenRunId: string | null;
  lastSeenAt: Date;
  /** Set while the provider returns the record in a shape that fails validation. */
  quarantinedAt: Date | null;
  /** Its content hash equals its link's base hash; read by `readChangedSince`, the projection left out (null). */
  sameAsBase?: boolean;
}

/**
 * The next batch of snapshot rows changed since the reconciler's cursor (up to a committed bound),
 * in change order. A row whose content hash equals its link's base hash comes without its
 * projection (`sameAsBase`, projection null): the base stands for it, and the batch reads it with
 * the link (`readBatchPeople`). Raw SQL: Prisma's query builder cost more than the query here.
 */
export async function readChangedSince(db: Db, cursor: bigint, upTo: bigint, limit: number): Promise<SnapshotRow[]> {
  return db.$queryRaw<SnapshotRow[]>`
    SELECT s."connectionId", s."externalId",
      CASE WHEN s."contentHash" = l."baseHash" THEN NULL ELSE s.projection END AS projection,
      s.extras, s."remoteUpdatedAt", s."goneAt", s."changeSeq", s."lastSeenRunId", s."lastSeenAt", s."quarantinedAt",
      COALESCE(s."contentHash" = l."baseHash", false) AS "sameAsBase"
    FROM snapshot_records s
    LEFT JOIN links l ON l."connectionId" = s."connectionId" AND l."externalId" = s."externalId"
    WHERE s."changeSeq" > ${cursor} AND s."changeSeq" <= ${upTo}
    ORDER BY s."changeSeq"
    LIMIT ${limit}`;
}

/** Current snapshot rows of the given (connection, external id) pairs, in one query. */
export async function readSnapshots(
  db: SqlDb,
  keys: { connectionId: string; externalId: string }[],
): Promise<SnapshotRow[]> {
  if (keys.length === 0) return [];
  return db.$queryRaw<SnapshotRow[]>`
    SELECT s."connectionId", s."externalId", s.projection, s.extras, s."remoteUpdatedAt", s."goneAt", s."changeSeq", s."lastSeenRunId", s."lastSeenAt", s."quarantinedAt"
    FROM snapshot_records s
    JOIN unnest(${keys.map((k) => k.connectionId)}::text[], ${keys.map((k) => k.externalId)}::text[]) AS k(c, e)
      ON s."connectionId" = k.c AND s."externalId" = k.e`;
}
