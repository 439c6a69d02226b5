import { markPullGaveUp, reclaimOrphanedOps, takeWorkerLease } from '@contact-sync/store';
import { DelayedError, type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import { PullJob, PushJob, queueNames, ReconcileJob } from './jobs.ts';
import { parkOnWait } from './park.ts';
import { runPull } from './pull/pull.ts';
import { PullDeadlineError } from './pull/pull-deadline.ts';
import { providerBackoff } from './push/backoff.ts';
import { runPushJob } from './push/push-batch.ts';
import { runReconcile } from './reconcile/reconcile.ts';
import { enqueueOps, type Resources } from './resources.ts';
import { restoreQueues, syncConnections, watchRedis } from './restore.ts';
import { resyncPullEnded } from './resync.ts';

export { syncConnections } from './restore.ts';

export interface RunningWorker {
  workers: Worker[];
  /**
   * Stops taking jobs, aborts the provider requests in flight (a push aborted that way puts its
   * op back to pending; a pull fails this attempt and is retried), lets the jobs end, then resolves.
   */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Keep the job schedulers in step with the config (off in tests that drive pulls by hand). */
  schedule?: boolean;
  /**
   * How long a job's lock lives without renewal (default 60 s). A worker that dies (SIGKILL,
   * power loss) holds its jobs until the lock expires and the stalled check hands them to
   * another worker; crash tests shorten it.
   */
  lockDurationMs?: number;
  /** How often the stalled check runs (default 30 s). */
  stalledIntervalMs?: number;
  /** How often queues are restored from the outbox as a backstop (default 60 s; also done on a Redis reconnect). */
  sweepIntervalMs?: number;
}

/**
 * Starts the daemon's consumers: one pull queue and one push queue per connection (the
 * push queue carries the connection's rate limit), and the reconcile queue. Pull and
 * reconcile queues are limited to one job at a time across every worker process.
 */
export async function startWorker(res: Resources, opts: WorkerOptions = {}): Promise<RunningWorker> {
  await syncConnections(res);
  const lease = await takeWorkerLease(res.databaseUrl, (err) =>
    res.logger.warn({ err: err.message }, 'worker lease connection lost; taking it again'),
  );
  res.workerId = lease.id;
  const workers: Worker[] = [];
  const base = {
    connection: res.redis,
    prefix: res.prefix,
    lockDuration: opts.lockDurationMs ?? 60_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: 5,
  };

  for (const [id, { config, connector }] of res.connections) {
    const pullQueue = res.queues.pull.get(id)!;
    await pullQueue.setGlobalConcurrency(1);
    workers.push(
      new Worker(
        queueNames.pull(id),
        logged(res, async (job: Job, token?: string) => {
          const data = PullJob.parse(job.data);
          try {
            return await parkOnWait(res, job, token, () => runPull(res, data, undefined, job.id));
          } catch (err) {
            if (err instanceof DelayedError) throw err; // parked: waits for its rate window
            if (res.shutdown.signal.aborted) throw err; // stopping: this attempt is retried
            const passed = err instanceof PullDeadlineError;
            // A resync's last word on this connection (last attempt, or its deadline passed): it
            // gave up, and the resync goes on with what the other pulls brought.
            if (data.resyncRunId && (passed || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))) {
              await markPullGaveUp(res.prisma, data.resyncRunId, id, (err as Error).message);
              await resyncPullEnded(res, data.resyncRunId);
            }
            throw passed ? new UnrecoverableError((err as Error).message) : err;
          }
        }),
        {
          ...base,
          concurrency: 1,
        },
      ),
    );
    const first = Array.isArray(config.rateLimit) ? config.rateLimit[0] : config.rateLimit;
    const limit = first
      ? { max: first.max, duration: first.duration }
      : { max: connector.capabilities.rateLimit.max, duration: connector.capabilities.rateLimit.durationMs };
    workers.push(
      new Worker(
        queueNames.push(id),
        logged(res, async (job: Job, token?: string) => {
          PushJob.parse(job.data);
          return parkOnWait(res, job, token, () => runPushJob(res, id, job.id));
        }),
        {
          ...base,
          // One batch of a connection at a time per process; its requests go out `push.concurrency` at once.
          concurrency: 1,
          limiter: limit,
          settings: { backoffStrategy: providerBackoff(res.config.push.backoff) },
        },
      ),
    );
  }
  await res.queues.reconcile.setGlobalConcurrency(1);
  workers.push(
    new Worker(
      queueNames.reconcile,
      logged(res, async (job: Job) => runReconcile(res, BigInt(ReconcileJob.parse(job.data).upToSeq))),
      { ...base, concurrency: 1 },
    ),
  );
  for (const w of workers)
    w.on('error', (err) => res.logger.error({ err: err.message, queue: w.name }, 'worker error'));

  const schedule = opts.schedule !== false;
  // Ops a worker that is gone left in flight (SIGKILL): pushed again now, not when BullMQ's
  // lock on their job expires.
  const reclaimed = await reclaimOrphanedOps(res.prisma);
  if (reclaimed.length > 0) {
    await enqueueOps(res, reclaimed, { first: true });
    res.logger.info({ ops: reclaimed.length }, 'in-flight ops of a worker that is gone put back');
  }
  await restoreQueues(res, schedule, 'start');
  const stopWatching = await watchRedis(res, schedule, opts.sweepIntervalMs ?? 60_000);

  let closing: Promise<void> | null = null;
  return {
    workers,
    close: () => {
      stopWatching();
      closing ??= (async () => {
        const closed = Promise.all(workers.map((w) => w.close()));
        res.shutdown.abort(new Error('the worker is stopping'));
        await closed;
        await lease.close();
      })();
      return closing;
    },
  };
}
function logged<T>(res: Resources, fn: (job: Job, token?: string) => Promise<T>): Processor {
  return async (job: Job, token?: string) => {
    const started = Date.now();
    try {
      const result = await fn(job, token);
      res.logger.debug({ queue: job.queueName, jobId: job.id, ms: Date.now() - started }, 'job done');
      return result;
    } catch (err) {
      if (err instanceof DelayedError) throw err; // parked, logged once by parkOnWait
      res.logger.warn(
        { queue: job.queueName, jobId: job.id, attempt: job.attemptsMade + 1, err: (err as Error).message },
        'job failed',
      );
      throw err;
    }
  };
}
