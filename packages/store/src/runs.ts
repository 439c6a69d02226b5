import type { Db } from './client.ts';
import type { SyncRun } from './generated/prisma/client.ts';
import type { SqlDb } from './sql-lane.ts';

export type { SyncRun };
export type RunCounter =
  | 'pulled'
  | 'changed'
  | 'gone'
  | 'quarantined'
  | 'opsPlanned'
  | 'opsApplied'
  | 'opsFailed'
  | 'conflicts';

/**
 * Starts a run. Its `startedAt` is Postgres's clock (Prisma's `@default(now())` is filled in by
 * the client, i.e. the caller's clock): every time the engine compares comes from one clock.
 * A pull run ends the connection's earlier pull runs still marked running: pulls of one
 * connection run one at a time, so those were left by a worker that died (or lost its job).
 */
export async function createRun(
  db: Db,
  run: {
    kind: 'pull' | 'resync';
    connectionId?: string | null;
    full: boolean;
    parentRunId?: string | null;
    status?: string;
    expectedPulls?: number;
  },
): Promise<SyncRun> {
  if (run.kind === 'pull' && run.connectionId)
    await db.$executeRaw`
      UPDATE sync_runs SET status = 'failed', error = 'abandoned: its worker stopped before it ended', "finishedAt" = now()
      WHERE kind = 'pull' AND "connectionId" = ${run.connectionId} AND status = 'running'`;
  const rows = await db.$queryRaw<SyncRun[]>`
    INSERT INTO sync_runs (id, kind, "connectionId", "full", "parentRunId", status, "expectedPulls", "startedAt")
    VALUES (gen_random_uuid(), ${run.kind}, ${run.connectionId ?? null}, ${run.full}, ${run.parentRunId ?? null}::uuid,
            ${run.status ?? 'running'}, ${run.expectedPulls ?? 0}::int, now())
    RETURNING *`;
  return rows[0]!;
}

/** Adds to a run's counters in one statement (several workers may count at once). */
export async function bumpRun(db: SqlDb, runId: string, counts: Partial<Record<RunCounter, number>>): Promise<void> {
  if (!Object.values(counts).some((v) => v)) return;
  const n = (c: RunCounter) => counts[c] ?? 0;
  await db.$executeRaw`
    UPDATE sync_runs SET pulled = pulled + ${n('pulled')}::int, changed = changed + ${n('changed')}::int,
      gone = gone + ${n('gone')}::int, quarantined = quarantined + ${n('quarantined')}::int,
      "opsPlanned" = "opsPlanned" + ${n('opsPlanned')}::int, "opsApplied" = "opsApplied" + ${n('opsApplied')}::int,
      "opsFailed" = "opsFailed" + ${n('opsFailed')}::int, conflicts = conflicts + ${n('conflicts')}::int
    WHERE id = ${runId}::uuid`;
}

export async function setRunStatus(db: Db, runId: string, status: string, error?: string | null): Promise<void> {
  const finished = status === 'completed' || status === 'failed' || status === 'gave_up';
  await db.$executeRaw`
    UPDATE sync_runs SET status = ${status},
      error = CASE WHEN ${error !== undefined} THEN ${error ?? null} ELSE error END,
      "finishedAt" = CASE WHEN ${finished} THEN now() ELSE "finishedAt" END
    WHERE id = ${runId}::uuid`;
}

/**
 * Runs with the counts kept apart added to their own counters, so each reads as one number:
 * the ops applied and failed that the push path counted in `run_op_counts`, and for a resync the
 * records its pulls pulled and found changed (each page counts in its pull's row only: five
 * pulls adding every page to their resync's row waited on each other's lock on it).
 */
export async function withRunCounts<R extends Pick<SyncRun, 'id' | 'opsApplied' | 'opsFailed' | 'pulled' | 'changed'>>(
  db: Db,
  runs: R[],
): Promise<R[]> {
  if (runs.length === 0) return runs;
  const ids = runs.map((r) => r.id);
  const rows = await db.$queryRaw<
    { runId: string; applied: number; failed: number; pulled: number; changed: number }[]
  >`
    SELECT "runId", sum(applied)::int AS applied, sum(failed)::int AS failed, sum(pulled)::int AS pulled,
           sum(changed)::int AS changed
    FROM (
      SELECT "runId", "opsApplied" AS applied, "opsFailed" AS failed, 0 AS pulled, 0 AS changed FROM run_op_counts
      WHERE "runId" = ANY(${ids}::uuid[])
      UNION ALL
      SELECT "parentRunId", 0, 0, pulled, changed FROM sync_runs WHERE "parentRunId" = ANY(${ids}::uuid[]) AND kind = 'pull'
    ) c
    GROUP BY "runId"`;
  const byRun = new Map(rows.map((r) => [r.runId, r]));
  return runs.map((r) => {
    const c = byRun.get(r.id);
    return c
      ? {
          ...r,
          opsApplied: r.opsApplied + c.applied,
          opsFailed: r.opsFailed + c.failed,
          pulled: r.pulled + c.pulled,
          changed: r.changed + c.changed,
        }
      : r;
  });
}

export async function getRun(db: Db, runId: string): Promise<SyncRun | null> {
  const run = await db.syncRun.findUnique({ where: { id: runId } });
  return run ? ((await withRunCounts(db, [run]))[0] ?? null) : null;
}

export async function listRuns(
  db: Db,
  opts: { limit: number; offset: number; connectionId?: string },
): Promise<SyncRun[]> {
  const runs = await db.syncRun.findMany({
    where: opts.connectionId ? { connectionId: opts.connectionId } : {},
    orderBy: { startedAt: 'desc' },
    take: opts.limit,
    skip: opts.offset,
  });
  return withRunCounts(db, runs);
}

/*
 * Run states. A pull run: `running`, `completed`, `failed` (this attempt failed; its job is
 * retried) or `gave_up` (its last attempt failed, or its deadline passed: it ended without
 * completing). A resync: `running` (pulls) → `reconciling` (every pull ended; its reconcile is
 * queued) → `pushing` (that reconcile ran) → `completed` (no op pending or in flight, nothing
 * left to reconcile). The worker moves it; readers never write.
 */

/** Where a resync's pulls stand, from its pull runs' states. */
export interface ResyncPulls {
  runId: string;
  status: string;
  expected: number;
  completed: number;
  /** Connections whose pull gave up for good. */
  gaveUp: number;
  /** Pull attempts that failed (retried or not). */
  failedAttempts: number;
  /** Connections whose pull ended (completed or gave up). */
  endedConnections: string[];
  /** Every pull ended: the resync may reconcile. */
  ended: boolean;
}

/**
 * The one answer to "are this resync's pulls done": a connection's pull has ended when one of
 * its runs under the resync completed or gave up for good. Decided from states, never from
 * age or a process's clock. `{ runId }` reads one resync (any status); `{ running: true }`
 * every resync still in its pull phase.
 */
export async function resyncPulls(db: Db, which: { runId: string } | { running: true }): Promise<ResyncPulls[]> {
  const runId = 'runId' in which ? which.runId : null;
  const rows = await db.$queryRaw<Omit<ResyncPulls, 'ended'>[]>`
    SELECT r.id AS "runId", r.status, r."expectedPulls" AS expected,
      count(DISTINCT c."connectionId") FILTER (WHERE c.status = 'completed')::int AS completed,
      count(DISTINCT c."connectionId") FILTER (WHERE c.status = 'gave_up')::int AS "gaveUp",
      count(c.id) FILTER (WHERE c.status IN ('failed', 'gave_up'))::int AS "failedAttempts",
      coalesce(array_agg(DISTINCT c."connectionId") FILTER (WHERE c.status IN ('completed', 'gave_up')), '{}') AS "endedConnections"
    FROM sync_runs r LEFT JOIN sync_runs c ON c."parentRunId" = r.id AND c.kind = 'pull'
    WHERE r.kind = 'resync' AND (r.id = ${runId}::uuid OR (${runId}::uuid IS NULL AND r.status = 'running'))
    GROUP BY r.id`;
  return rows.map((r) => ({ ...r, ended: r.endedConnections.length >= r.expected }));
}

/**
 * A resync pull's job used its last attempt (or its deadline passed): its latest run under the
 * resync becomes `gave_up` (a run is written when none exists, e.g. every attempt failed
 * before it could write one), so the resync goes on without it.
 */
export async function markPullGaveUp(db: Db, resyncRunId: string, connectionId: string, error: string): Promise<void> {
  await db.$executeRaw`
    WITH latest AS (
      SELECT id FROM sync_runs WHERE "parentRunId" = ${resyncRunId}::uuid AND "connectionId" = ${connectionId} AND kind = 'pull'
      ORDER BY "startedAt" DESC LIMIT 1),
    marked AS (
      UPDATE sync_runs SET status = 'gave_up', error = coalesce(error, ${error}), "finishedAt" = coalesce("finishedAt", now())
      WHERE id IN (SELECT id FROM latest) AND status <> 'completed' RETURNING 1)
    INSERT INTO sync_runs (id, kind, "connectionId", "full", "parentRunId", status, error, "startedAt", "finishedAt")
    SELECT gen_random_uuid(), 'pull', ${connectionId}, false, ${resyncRunId}::uuid, 'gave_up', ${error}, now(), now()
    WHERE NOT EXISTS (SELECT 1 FROM latest)`;
}

/** Every pull of the resync ended: `running` → `reconciling` (once). */
export async function markResyncReconciling(db: Db, runId: string): Promise<void> {
  await db.$executeRaw`UPDATE sync_runs SET status = 'reconciling' WHERE id = ${runId}::uuid AND status = 'running'`;
}

/** Resyncs whose pulls ended and whose reconcile has not run yet. */
export async function resyncsReconciling(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM sync_runs WHERE kind = 'resync' AND status = 'reconciling'`;
  return rows.map((r) => r.id);
}

/** A reconcile that started after these resyncs' pulls ended has run: `reconciling` → `pushing`. */
export async function markResyncsReconciled(db: Db, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await db.$executeRaw`
    UPDATE sync_runs SET status = 'pushing' WHERE id = ANY(${runIds}::uuid[]) AND status = 'reconciling'`;
}

/**
 * Closes the resyncs whose work ended: reconciled, no op pending or in flight, no person
 * waiting for a revisit, and the cursor at the last change number. One statement, run by the
 * worker when a reconcile or a push ends; returns the ids closed.
 */
export async function closeFinishedResyncs(db: SqlDb): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE sync_runs SET status = 'completed', "finishedAt" = now()
    WHERE kind = 'resync' AND status = 'pushing'
      AND NOT EXISTS (SELECT 1 FROM outbox_ops WHERE status IN ('pending', 'in_flight'))
      AND NOT EXISTS (SELECT 1 FROM canonical_contacts WHERE recheck)
      AND coalesce((SELECT "lastSeq" FROM reconcile_cursors WHERE id = 'global'), 0)
          >= (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM snapshot_change_seq)
    RETURNING id`;
  return rows.map((r) => r.id);
}

/**
 * How long a pull has been going, on Postgres's clock: since the first attempt's run under
 * its resync (attempts and workers share one deadline), or since its own run otherwise.
 */
export async function pullElapsedMs(
  db: Db,
  runId: string,
  resyncRunId: string | null,
  connectionId: string,
): Promise<number> {
  const rows = await db.$queryRaw<{ ms: number | null }[]>`
    SELECT (extract(epoch FROM now() - min("startedAt")) * 1000)::float8 AS ms FROM sync_runs
    WHERE id = ${runId}::uuid
       OR (${resyncRunId}::uuid IS NOT NULL AND "parentRunId" = ${resyncRunId}::uuid
           AND "connectionId" = ${connectionId} AND kind = 'pull')`;
  return Math.max(0, rows[0]?.ms ?? 0);
}

/** Postgres's clock: the one every timestamp the engine compares is taken from. */
export async function dbNow(db: Db): Promise<Date> {
  const rows = await db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
  return rows[0]!.now;
}

/** Adds HTTP requests a pull made to its run (what `status` compares with the budget). */
export async function addRunRequests(db: Db, runId: string, n: number): Promise<void> {
  await db.$executeRaw`UPDATE sync_runs SET requests = requests + ${n}::int WHERE id = ${runId}::uuid`;
}

/** What a run covers: one connection or all (null), full or incremental. */
export const runScope = (db: Db, runId: string) =>
  db.syncRun.findUnique({ where: { id: runId }, select: { connectionId: true, full: true } });

/** The admin resync (parent run) of each of these runs that has one, by run id. */
export async function parentRunsOf(db: Db, runIds: string[]): Promise<Map<string, string | null>> {
  const runs = await db.syncRun.findMany({ where: { id: { in: runIds } }, select: { id: true, parentRunId: true } });
  return new Map(runs.map((r) => [r.id, r.parentRunId]));
}

/** An undo's own run, completed at once: its ops and ledger rows count under it (undo it to redo). */
export async function createUndoRun(db: Db, at: Date): Promise<string> {
  const run = await db.syncRun.create({
    data: { kind: 'undo', status: 'completed', parentRunId: null, error: null, finishedAt: at },
  });
  return run.id;
}

/** The writes a run planned, by person and connection. */
export const writesOfRun = (db: Db, runId: string) =>
  db.outboxOp.findMany({
    where: { runId },
    select: { connectionId: true, kind: true, canonicalId: true, changed: true },
    orderBy: [{ canonicalId: 'asc' }, { connectionId: 'asc' }],
  });

/** Sets a run's totals (an undo's, once all its chunks are written). */
export async function setRunTotals(
  db: Db,
  runId: string,
  totals: { opsPlanned: number; conflicts: number; changed: number },
): Promise<void> {
  await db.syncRun.update({ where: { id: runId }, data: totals });
}

/** Every pull run of a connection. */
export const pullRunsOf = (db: Db, connectionId: string) =>
  db.syncRun.findMany({ where: { kind: 'pull', connectionId } });
