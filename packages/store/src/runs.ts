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

export async function getRun(db: Db, runId: string): Promise<SyncRun | null> {
  return db.syncRun.findUnique({ where: { id: runId } });
}

export async function listRuns(
  db: Db,
  opts: { limit: number; offset: number; connectionId?: string },
): Promise<SyncRun[]> {
  return db.syncRun.findMany({
    where: opts.connectionId ? { connectionId: opts.connectionId } : {},
    orderBy: { startedAt: 'desc' },
    take: opts.limit,
    skip: opts.offset,
  });
}
