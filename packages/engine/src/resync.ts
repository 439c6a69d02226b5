import {
  committedMaxSeq,
  countOps,
  countRecheck,
  createRun,
  getRun,
  markResyncReconciling,
  newestCommittedSeq,
  readCursor,
  resyncPulls,
  type Store,
  type SyncRun,
  withTransaction,
} from '@contact-sync/store';
import { enqueuePull, enqueueReconcile, type Resources } from './resources.ts';

export interface ResyncRequest {
  /** One connection, or every configured connection. */
  connectionId?: string;
  /** Full: marks what a pull did not see as gone. Incremental: only picks up changes. */
  full: boolean;
}

/** Starts an admin resync: one run, one pull per connection, all counted under it. */
export async function startResync(
  res: Pick<Resources, 'prisma' | 'queues'> & { connections: ReadonlyMap<string, unknown> },
  req: ResyncRequest,
): Promise<SyncRun> {
  const ids = req.connectionId ? [req.connectionId] : [...res.connections.keys()];
  for (const id of ids) if (!res.connections.has(id)) throw new Error(`unknown connection "${id}"`);
  const run = await createRun(res.prisma, {
    kind: 'resync',
    connectionId: req.connectionId ?? null,
    full: req.full,
    expectedPulls: ids.length,
  });
  for (const id of ids) await enqueuePull(res, { connectionId: id, full: req.full, resyncRunId: run.id });
  return run;
}

/**
 * A pull of a resync ended (completed, or gave up for good). When it was the last one, the
 * resync reconciles, once: planning on part of the picture would make the result depend on
 * which provider answered first (a person created in a one-slot provider before another
 * provider's phone numbers arrived keeps a different number). Safe to repeat: the state moves
 * once and the reconcile's job id is the resync's.
 */
export async function resyncPullEnded(res: Resources, resyncRunId: string): Promise<boolean> {
  const [pulls] = await resyncPulls(res.prisma, { runId: resyncRunId });
  if (!pulls?.ended) return false;
  await markResyncReconciling(res.prisma, resyncRunId);
  await enqueueReconcile(res, await committedMaxSeq(res.prisma), `resync:${resyncRunId}`, `resync-${resyncRunId}`);
  return true;
}

export interface RunProgress {
  run: SyncRun;
  pulls: { expected: number; completed: number; failed: number; gaveUp: number };
  pendingOps: number;
  /** Reconcile position: the newest change committed (`committedSeq`), consumed up to `cursor`; people waiting for a revisit. */
  reconcile: { cursor: string; committedSeq: string; recheck: number };
  /** The resync's own reconcile ran (after every pull ended). */
  reconciled: boolean;
  complete: boolean;
}

/**
 * Where a resync stands, read in one snapshot (a REPEATABLE READ transaction) and without
 * writing: the worker closes the run when its work ends (pulls ended, its reconcile ran, no
 * op pending or in flight, nothing left to reconcile), so complete means the run is closed.
 */
export async function runProgress(prisma: Store, runId: string): Promise<RunProgress | null> {
  return withTransaction(
    prisma,
    async (tx) => {
      const run = await getRun(tx, runId);
      if (!run) return null;
      const [pulls] = await resyncPulls(tx, { runId });
      const pendingOps = await countOps(tx, { status: ['pending', 'in_flight'] });
      const recheck = await countRecheck(tx);
      const cursor = await readCursor(tx);
      // Not `committedMaxSeq`: its exclusive lock, taken at every poll, held up every pull's page
      // write for tens of milliseconds (a fifth of a resync's pull time at a poll each 100 ms).
      const newest = await newestCommittedSeq(tx);
      return {
        run,
        pulls: {
          expected: run.expectedPulls,
          completed: pulls?.completed ?? 0,
          failed: pulls?.failedAttempts ?? 0,
          gaveUp: pulls?.gaveUp ?? 0,
        },
        pendingOps,
        reconcile: { cursor: cursor.toString(), committedSeq: newest.toString(), recheck },
        reconciled: run.status === 'pushing' || run.status === 'completed',
        complete: run.status === 'completed',
      };
    },
    { isolationLevel: 'RepeatableRead', timeout: 30_000, maxWait: 30_000 },
  );
}
