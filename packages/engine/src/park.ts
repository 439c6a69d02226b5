import { DelayedError, type Job } from 'bullmq';
import { BudgetWaitError, CredentialPausedError, isCredentialRejection } from './budget.ts';
import type { Resources } from './resources.ts';

/**
 * Runs a job's work; a wait longer than the budget spends in-process (`BudgetWaitError`: a
 * provider's long `Retry-After`, an hour's budget spent) parks the job in its queue, delayed
 * until the wait ends, without using up an attempt. Nothing sleeps in the process meanwhile.
 */
export async function parkOnWait<T>(
  res: Resources,
  job: Job,
  token: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (caught) {
    // A rejected credential pauses the connection (the budget noted it): wait for the next probe.
    const err = isCredentialRejection(caught) ? await pausedWait(res, job, caught) : caught;
    if (!(err instanceof BudgetWaitError) || token === undefined) throw err;
    res.logger.info(
      { queue: job.queueName, jobId: job.id, until: new Date(err.untilMs).toISOString(), reason: err.reason },
      'job parked until its rate window',
    );
    await job.moveToDelayed(err.untilMs, token);
    throw new DelayedError();
  }
}

async function pausedWait(res: Resources, job: Job, err: unknown): Promise<unknown> {
  const connectionId = (job.data as { connectionId?: string }).connectionId ?? connectionOfQueue(job.queueName);
  const budget = connectionId ? res.budgets.get(connectionId) : undefined;
  if (!budget) return err;
  return new CredentialPausedError(budget.connectionId, budget.connectionId, Date.now() + res.probeIntervalMs);
}

/** `push-<id>` / `pull-<id>` → `<id>`. */
const connectionOfQueue = (name: string): string | undefined => /^(?:push|pull)-(.+)$/.exec(name)?.[1];
