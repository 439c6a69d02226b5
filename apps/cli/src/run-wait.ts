import type { AdminContext } from '@contact-sync/admin-ops';
import { type RunProgress, runProgress, startResync } from '@contact-sync/engine';
import { isConnectionError } from '@contact-sync/store';

export interface RunOutcome {
  progress: RunProgress;
  /** Connections whose pull for this run failed for good (every attempt used up). */
  failedConnections: { connectionId: string; error: string }[];
  /** Complete, and no pull failed for good. */
  ok: boolean;
}

/**
 * Starts a resync (or follows an existing one with `runId`) and polls its progress until it
 * is complete or one of its pulls failed for good (its queue job used every attempt), or the
 * time runs out (then throws, saying where it stood). A database that cannot be reached for a
 * moment (a Postgres restart) is waited out: the run goes on in the worker meanwhile.
 */
export async function waitForRun(
  res: AdminContext,
  req: { full: boolean; connectionId?: string; runId?: string },
  opts: { timeoutMs: number; intervalMs?: number; onProgress?: (p: RunProgress) => void },
): Promise<RunOutcome> {
  const runId =
    req.runId ??
    (await startResync(res, { full: req.full, ...(req.connectionId ? { connectionId: req.connectionId } : {}) })).id;
  const deadline = Date.now() + opts.timeoutMs;
  let lastFailureCheck = 0;
  for (;;) {
    let p: RunProgress | null;
    try {
      p = await runProgress(res.prisma, runId);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      if (Date.now() > deadline)
        throw new Error(`run ${runId}: the database could not be reached: ${(err as Error).message.trim()}`);
      await new Promise((r) => setTimeout(r, Math.max(opts.intervalMs ?? 200, 500)));
      continue;
    }
    if (!p) throw new Error(`run ${runId} not found`);
    opts.onProgress?.(p);
    if (p.complete) return { progress: p, failedConnections: [], ok: true };
    // A failed attempt is retried by the queue; only a job that used every attempt ends the run.
    if (p.pulls.gaveUp > 0 && Date.now() - lastFailureCheck > 1000) {
      lastFailureCheck = Date.now();
      const failed = await failedPulls(res, runId);
      if (failed.length > 0) return { progress: p, failedConnections: failed, ok: false };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} not complete after ${Math.round(opts.timeoutMs / 1000)}s: pulls ${p.pulls.completed}/${p.pulls.expected} ` +
          `(${p.pulls.failed} failed attempts), ${p.pendingOps} ops pending, reconciled: ${p.reconciled}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

async function failedPulls(res: AdminContext, runId: string): Promise<{ connectionId: string; error: string }[]> {
  const out: { connectionId: string; error: string }[] = [];
  for (const [connectionId, queue] of res.queues.pull) {
    const jobs = await queue.getFailed(0, 200);
    const job = jobs.find((j) => (j.data as { resyncRunId?: string }).resyncRunId === runId);
    if (job) out.push({ connectionId, error: job.failedReason ?? 'failed' });
  }
  return out;
}
