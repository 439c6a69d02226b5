import { createHash, randomUUID } from 'node:crypto';
import { TransientError } from '@contact-sync/connectors';
import {
  committedMaxSeq,
  markPullGaveUp,
  markResyncReconciling,
  reclaimOrphanedOps,
  registerConnection,
  resyncPulls,
  runScope,
  takeWorkerLease,
  unfinishedOps,
} from '@contact-sync/store';
import { DelayedError, type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { jobRetries, PullJob, PushJob, queueNames, ReconcileJob } from './jobs.ts';
import { parkOnWait } from './park.ts';
import { runPull } from './pull.ts';
import { PullDeadlineError } from './pull-deadline.ts';
import { runPush } from './push.ts';
import { runReconcile } from './reconcile.ts';
import { enqueueOps, enqueuePull, enqueueReconcile, type Resources } from './resources.ts';
import { resyncPullEnded } from './resync.ts';

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
          const { opId, generation } = PushJob.parse(job.data);
          const attempts = job.opts.attempts ?? 1;
          return parkOnWait(res, job, token, () => runPush(res, opId, job.attemptsMade + 1 >= attempts, generation));
        }),
        {
          ...base,
          concurrency: res.config.push.concurrency,
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

/**
 * Rebuilds what Redis holds from Postgres, the source of truth: the global one-at-a-time
 * limits, the pull schedulers, a job for every unfinished outbox op, and a reconcile from
 * the cursor (whatever a crash left between a commit and its enqueue). Idempotent: job ids
 * are derived from the rows, so what is still queued is not queued twice.
 */
export async function restoreQueues(res: Resources, schedule: boolean, reason: string): Promise<number> {
  for (const q of res.queues.pull.values()) await q.setGlobalConcurrency(1);
  await res.queues.reconcile.setGlobalConcurrency(1);
  if (schedule) await syncSchedulers(res);
  const ops = await reenqueueUnfinished(res);
  // A resync whose pulls are still running reconciles when the last one ends (resyncPullEnded);
  // planning now, on part of the picture, would make the result depend on the timing. Whether
  // they are running is read from their runs' states, however old the resync is.
  if (!(await restoreResyncPulls(res))) await enqueueReconcile(res, 0n, reason, `${reason}-${randomUUID()}`);
  return ops;
}

/**
 * For each resync still in its pull phase: puts back the pull job of every connection whose
 * pull has not ended (a no-op while the job exists: its id is the resync's), and records as
 * given up one whose job failed for good without saying so (a crash in between). True when
 * some resync's pulls are still outstanding.
 */
async function restoreResyncPulls(res: Resources): Promise<boolean> {
  let outstanding = false;
  for (const r of await resyncPulls(res.prisma, { running: true })) {
    if (r.ended) {
      await resyncPullEnded(res, r.runId);
      continue;
    }
    const run = await runScope(res.prisma, r.runId);
    const ids = run?.connectionId ? [run.connectionId] : [...res.connections.keys()];
    const waiting = ids.filter((c) => !r.endedConnections.includes(c) && res.connections.has(c));
    if (waiting.length === 0) {
      // What it waits for is no longer configured: nothing will end it, so it goes on without.
      res.logger.warn({ runId: r.runId }, 'resync waits for pulls of connections no longer configured: reconciling');
      await markResyncReconciling(res.prisma, r.runId);
      await enqueueReconcile(res, await committedMaxSeq(res.prisma), `resync:${r.runId}`, `resync-${r.runId}`);
      continue;
    }
    for (const connectionId of waiting) {
      const job = await res.queues.pull.get(connectionId)!.getJob(`resync-${r.runId}-${connectionId}`);
      if (job && (await job.isFailed())) {
        await markPullGaveUp(res.prisma, r.runId, connectionId, job.failedReason || 'the pull failed');
        if (await resyncPullEnded(res, r.runId)) break;
      } else if (!job) await enqueuePull(res, { connectionId, full: run?.full ?? true, resyncRunId: r.runId });
    }
    const [now] = await resyncPulls(res.prisma, { runId: r.runId });
    if (!now?.ended) outstanding = true;
  }
  return outstanding;
}

/**
 * Redis may lose its memory (a restart without persistence, a failover): after the
 * connection comes back, and every `intervalMs` as a backstop, the queues are restored
 * from Postgres. After a reconnect it waits for pushes in flight to end (the longest
 * connection timeout) so an op is not handed to a second consumer while still running.
 */
async function watchRedis(res: Resources, schedule: boolean, intervalMs: number): Promise<() => void> {
  // A connection of its own, used only to notice that Redis went away and came back.
  const client = new Redis({ ...(res.redis as RedisOptions), lazyConnect: false, enableOfflineQueue: false });
  client.on('error', () => {}); // reconnects on its own; the workers log their own errors
  const settleMs = Math.max(1000, ...[...res.connections.values()].map((c) => c.config.timeout)) + 1000;
  let lost = false;
  let pending: NodeJS.Timeout | null = null;
  const sweep = (reason: string) =>
    restoreQueues(res, schedule, reason).then(
      (ops) => {
        if (reason !== 'sweep' || ops > 0) res.logger.info({ reason, ops }, 'queues restored from the outbox');
      },
      (err) => res.logger.warn({ reason, err: (err as Error).message }, 'could not restore the queues'),
    );
  const onClose = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    res.logger.warn({ settleMs }, 'redis connection back: restoring the queues from Postgres');
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => void sweep('redis-reconnect'), settleMs);
  };
  client.on('close', onClose);
  client.on('ready', onReady);
  const timer = setInterval(() => void sweep('sweep'), intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (pending) clearTimeout(pending);
    client.disconnect();
  };
}

/** Registers connections (never their credentials) so runs and links can name them. */
export async function syncConnections(res: Resources): Promise<void> {
  for (const { config } of res.connections.values()) {
    const configHash = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
    await registerConnection(res.prisma, {
      id: config.id,
      provider: config.provider,
      credentialEnv: config.credentialEnv,
      configHash,
    });
  }
}

/** One job scheduler per connection, upserted from the config at start. */
async function syncSchedulers(res: Resources): Promise<void> {
  for (const [id, { config }] of res.connections) {
    const queue = res.queues.pull.get(id)!;
    const repeat = 'every' in config.schedule ? { every: config.schedule.every } : { pattern: config.schedule.cron };
    await queue.upsertJobScheduler(`pull-${id}`, repeat, {
      name: 'pull',
      data: PullJob.parse({ connectionId: id, full: true }),
      opts: jobRetries.pull,
    });
  }
}

/** Outbox rows left pending or in flight (a crash, a Redis restart) go back on their queues. */
export async function reenqueueUnfinished(res: Resources): Promise<number> {
  let after: string | null = null;
  let n = 0;
  for (;;) {
    const ops = await unfinishedOps(res.prisma, after, 1000);
    if (ops.length === 0) return n;
    await enqueueOps(res, ops);
    n += ops.length;
    after = ops.at(-1)!.id;
  }
}

/** Exponential backoff with full jitter; a provider's Retry-After wins when it asks for longer. */
export const providerBackoff =
  (baseMs: number) =>
  (attemptsMade: number, _type?: string, err?: Error): number => {
    const exp = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), 60_000);
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const retryAfter = err instanceof TransientError && err.retryAfterMs ? err.retryAfterMs : 0;
    return Math.max(jittered, retryAfter);
  };

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
