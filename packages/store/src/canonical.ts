import type { Db } from './client.ts';
import type { SqlDb } from './sql-lane.ts';

/** Canonical records holding any of the given normalized keys (for matching unlinked records). */
export async function candidatesByKeys(
  db: SqlDb,
  keys: { kind: 'email' | 'phone'; value: string }[],
): Promise<{ kind: string; value: string; canonicalId: string }[]> {
  if (keys.length === 0) return [];
  // One index probe per key (the LATERAL with OFFSET 0 is not flattened into a join the
  // planner could turn into a scan of the whole keys table per batch): a batch costs what it
  // asks for, whatever the table size and its statistics.
  return db.$queryRaw`
    SELECT q.kind, q.value, m."canonicalId"
    FROM unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.value)}::text[]) AS q(kind, value)
    CROSS JOIN LATERAL (
      SELECT k."canonicalId" FROM canonical_keys k
      JOIN canonical_contacts c ON c.id = k."canonicalId" AND c."deletedAt" IS NULL AND c."mergedIntoId" IS NULL
      WHERE k.kind = q.kind AND k.value = q.value
      OFFSET 0) m`;
}

/** Locks canonical rows for the rest of the transaction: no two reconciles touch one record at once. */
export async function lockCanonicals(tx: SqlDb, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.$queryRaw`SELECT id FROM canonical_contacts WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
}

export interface RecheckDue {
  /** The markers read (delete them once examined: `clearRecheckDue`, or in the revisit's transaction). */
  markerIds: bigint[];
  /** Of their people, those flagged for a revisit with no op pending or in flight, with the run to count under. */
  ready: { canonicalId: string; runId: string | null }[];
}

/**
 * The oldest revisit markers and which of their people are ready. Reads only the markers
 * (people whose last op just ended, or who were just flagged), never every flagged person,
 * so a pass costs what changed since the last one.
 */
export async function recheckDue(db: SqlDb, limit: number): Promise<RecheckDue> {
  const rows = await db.$queryRaw<{ id: bigint; canonicalId: string; runId: string | null; ready: boolean | null }[]>`
    SELECT d.id, d."canonicalId", d."runId", c.recheck AND NOT EXISTS (
      SELECT 1 FROM outbox_ops o WHERE o."canonicalId" = d."canonicalId" AND o.status IN ('pending', 'in_flight')) AS ready
    FROM (SELECT id, "canonicalId", "runId" FROM recheck_due ORDER BY id LIMIT ${limit}) d
    LEFT JOIN canonical_contacts c ON c.id = d."canonicalId"`;
  const ready = new Map<string, string | null>();
  for (const r of rows) if (r.ready && !ready.get(r.canonicalId)) ready.set(r.canonicalId, r.runId);
  return {
    markerIds: rows.map((r) => r.id),
    ready: [...ready].map(([canonicalId, runId]) => ({ canonicalId, runId })),
  };
}

/** Whether any revisit marker waits. */
export async function anyRecheckDue(db: Db): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`SELECT 1 FROM recheck_due LIMIT 1`;
  return rows.length > 0;
}

/**
 * Deletes examined markers, by id: a marker written meanwhile (an op that ended after the
 * examination read it in flight) has another id and stays.
 */
export async function clearRecheckDue(db: SqlDb, markerIds: bigint[]): Promise<void> {
  if (markerIds.length === 0) return;
  await db.$executeRaw`DELETE FROM recheck_due WHERE id = ANY(${markerIds.map(String)}::bigint[])`;
}

export async function readCursor(db: Db, id = 'global'): Promise<bigint> {
  const row = await db.reconcileCursor.findUnique({ where: { id } });
  return row?.lastSeq ?? 0n;
}

export async function writeCursor(db: SqlDb, lastSeq: bigint, id = 'global'): Promise<void> {
  // The query builder's upsert, as one raw statement (a reconcile batch writes it each time).
  await db.$executeRaw`
    INSERT INTO reconcile_cursors (id, "lastSeq") VALUES (${id}, ${lastSeq})
    ON CONFLICT (id) DO UPDATE SET "lastSeq" = EXCLUDED."lastSeq"`;
}

/**
 * Whether a sync table has grown by more than a quarter since its statistics were last taken
 * (its size in pages against the pages ANALYZE or VACUUM last counted), or never had any: when
 * none has, `analyzeSyncTables` would change nothing the planner relies on (a pass over data
 * that is already stored, e.g. a reconcile replaying the whole snapshot, grows nothing).
 * Read from the catalog and the files' sizes, so it lags no statistics collector.
 */
export async function syncTablesGrew(db: Db): Promise<boolean> {
  const rows = await db.$queryRaw<{ grew: boolean }[]>`
    SELECT COALESCE(bool_or(c.reltuples < 0
      OR pg_relation_size(c.oid) / current_setting('block_size')::bigint > c.relpages * 1.25 + 2), false) AS grew
    FROM pg_class c
    WHERE c.oid IN ('canonical_contacts'::regclass, 'canonical_keys'::regclass, 'links'::regclass,
      'outbox_ops'::regclass, 'snapshot_records'::regclass, 'recheck_due'::regclass)`;
  return rows[0]?.grew ?? true;
}

/**
 * Refreshes the planner's statistics of the tables a reconcile pass reads and grows. During an
 * initial sync they grow from nothing faster than autovacuum analyzes them, and with stale
 * statistics (a table of 10,000 rows believed to hold 2) Postgres picks plans that scan a
 * whole table per row of a batch (bench: candidatesByKeys took 2.4 s a batch at 10,000 people).
 */
export async function analyzeSyncTables(db: Db): Promise<void> {
  // Only the columns the sync filters and joins on: the row counts are what go stale, and
  // statistics of the JSON columns (detoasting every sampled record) cost most of a full ANALYZE.
  await db.$executeRaw`ANALYZE
    canonical_contacts (id, recheck, "deletedAt", "mergedIntoId"),
    canonical_keys,
    links ("connectionId", "externalId", "canonicalId"),
    outbox_ops (id, "canonicalId", status, "connectionId", "runId", "idempotencyKey"),
    snapshot_records ("connectionId", "externalId", "changeSeq", "lastSeenRunId", "goneAt"),
    recheck_due`;
}
