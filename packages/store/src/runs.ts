import type { Db } from './client.ts';
import type { SyncRun } from './generated/prisma/client.ts';

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

export async function createRun(
  db: Db,
  run: {
    kind: 'pull' | 'resync';
    connectionId?: string | null;
    full: boolean;
    parentRunId?: string | null;
    status?: string;
  },
): Promise<SyncRun> {
  return db.syncRun.create({
    data: {
      kind: run.kind,
      connectionId: run.connectionId ?? null,
      full: run.full,
      parentRunId: run.parentRunId ?? null,
      status: run.status ?? 'running',
    },
  });
}

/** Adds to a run's counters in one statement (several workers may count at once). */
export async function bumpRun(db: Db, runId: string, counts: Partial<Record<RunCounter, number>>): Promise<void> {
  const data: Record<string, { increment: number }> = {};
  for (const [k, v] of Object.entries(counts)) if (v) data[k] = { increment: v };
  if (Object.keys(data).length === 0) return;
  await db.syncRun.update({ where: { id: runId }, data });
}

export async function setRunStatus(db: Db, runId: string, status: string, error?: string | null): Promise<void> {
  const finished = status === 'completed' || status === 'failed';
  await db.syncRun.update({
    where: { id: runId },
    data: { status, ...(error !== undefined ? { error } : {}), ...(finished ? { finishedAt: new Date() } : {}) },
  });
}

/**
 * Runs with the ops applied and failed that the push path counted apart (`run_op_counts`)
 * added to their own counters, so `opsApplied`/`opsFailed` read as one number.
 */
export async function withOpCounts<R extends Pick<SyncRun, 'id' | 'opsApplied' | 'opsFailed'>>(
  db: Db,
  runs: R[],
): Promise<R[]> {
  if (runs.length === 0) return runs;
  const rows = await db.$queryRaw<{ runId: string; applied: number; failed: number }[]>`
    SELECT "runId", sum("opsApplied")::int AS applied, sum("opsFailed")::int AS failed FROM run_op_counts
    WHERE "runId" = ANY(${runs.map((r) => r.id)}::uuid[]) GROUP BY "runId"`;
  const byRun = new Map(rows.map((r) => [r.runId, r]));
  return runs.map((r) => {
    const c = byRun.get(r.id);
    return c ? { ...r, opsApplied: r.opsApplied + c.applied, opsFailed: r.opsFailed + c.failed } : r;
  });
}

export async function getRun(db: Db, runId: string): Promise<SyncRun | null> {
  const run = await db.syncRun.findUnique({ where: { id: runId } });
  return run ? ((await withOpCounts(db, [run]))[0] ?? null) : null;
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
  return withOpCounts(db, runs);
}
