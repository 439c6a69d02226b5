import type { PrismaClient } from '@contact-sync/store';
import { committedMaxSeq, createRun, getRun, readCursor, type SyncRun, setRunStatus } from '@contact-sync/store';
import { enqueuePull, type Resources } from './resources.ts';

export interface ResyncRequest {
  /** One connection, or every configured connection. */
  connectionId?: string;
  /** Full: marks what a pull did not see as gone. Incremental: only picks up changes. */
  full: boolean;
}

/** Starts an admin resync: one run, one pull per connection, all counted under it. */
export async function startResync(res: Resources, req: ResyncRequest): Promise<SyncRun> {
  const ids = req.connectionId ? [req.connectionId] : [...res.connections.keys()];
  for (const id of ids) if (!res.connections.has(id)) throw new Error(`unknown connection "${id}"`);
  const run = await createRun(res.prisma, { kind: 'resync', connectionId: req.connectionId ?? null, full: req.full });
  await res.prisma.syncRun.update({ where: { id: run.id }, data: { expectedPulls: ids.length } });
  for (const id of ids) await enqueuePull(res, { connectionId: id, full: req.full, resyncRunId: run.id });
  return { ...run, expectedPulls: ids.length };
}

export interface RunProgress {
  run: SyncRun;
  pulls: { expected: number; completed: number; failed: number };
  pendingOps: number;
  /** Reconcile position: changes committed up to `committedSeq`, consumed up to `cursor`; people waiting for a revisit. */
  reconcile: { cursor: string; committedSeq: string; recheck: number };
  reconciled: boolean;
  complete: boolean;
}

/**
 * Where a resync stands. It is complete when its pulls ended, the reconciler has consumed
 * every committed change, and no op is pending or in flight; the run is then closed.
 */
export async function runProgress(prisma: PrismaClient, runId: string): Promise<RunProgress | null> {
  const run = await getRun(prisma, runId);
  if (!run) return null;
  const children = await prisma.syncRun.groupBy({ by: ['status'], where: { parentRunId: runId }, _count: true });
  const count = (s: string) => children.find((c) => c.status === s)?._count ?? 0;
  const pulls = { expected: run.expectedPulls, completed: count('completed'), failed: count('failed') };
  const pullsDone = pulls.completed >= pulls.expected;
  const [pendingOps, recheck, cursor, max] = await Promise.all([
    prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } }),
    prisma.canonicalContact.count({ where: { recheck: true } }),
    readCursor(prisma),
    committedMaxSeq(prisma),
  ]);
  const reconciled = cursor >= max && recheck === 0;
  const complete = run.status === 'completed' || (pullsDone && reconciled && pendingOps === 0);
  if (complete && run.status !== 'completed') {
    await setRunStatus(prisma, runId, 'completed');
    run.status = 'completed';
  }
  return {
    run,
    pulls,
    pendingOps,
    reconcile: { cursor: cursor.toString(), committedSeq: max.toString(), recheck },
    reconciled,
    complete,
  };
}
