import { createHash, randomUUID } from 'node:crypto';
import {
  committedMaxSeq,
  markPullGaveUp,
  markResyncReconciling,
  registerConnection,
  resyncPulls,
  runScope,
  unfinishedConnections,
} from '@contact-sync/store';
import { Redis, type RedisOptions } from 'ioredis';
import { jobRetries, PullJob } from './jobs.ts';
import { enqueuePull, enqueuePush, enqueueReconcile, type Resources } from './resources.ts';
import { resyncPullEnded } from './resync.ts';

/**
 * Postgres is the truth, Redis only carries work: at start, whenever Redis comes back, and every
 * minute as a backstop, the worker rebuilds its queues from Postgres.
 */

/**
 * Rebuilds what Redis holds from Postgres, the source of truth: the global one-at-a-time
 * limits, the pull schedulers, a push job for every connection with unfinished outbox ops, and a reconcile from
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
export async function watchRedis(res: Resources, schedule: boolean, intervalMs: number): Promise<() => void> {
  // A connection of its own, used only to notice that Redis went away and came back.
  const client = new Redis({ ...(res.redis as RedisOptions), lazyConnect: false, enableOfflineQueue: false });
  client.on('error', () => {}); // reconnects on its own; the workers log their own errors
  const settleMs = Math.max(1000, ...[...res.connections.values()].map((c) => c.config.timeout)) + 1000;
  let lost = false;
  let pending: NodeJS.Timeout | null = null;
  const sweep = (reason: string) =>
    restoreQueues(res, schedule, reason).then(
      (connections) => {
        if (reason !== 'sweep' || connections > 0)
          res.logger.info({ reason, connections }, 'queues restored from the outbox');
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

/**
 * Connections with outbox rows left pending or in flight (a crash, a Redis restart) get a push job
 * back, delayed until their first op is due; one such job per connection waits at a time.
 */
async function reenqueueUnfinished(res: Resources): Promise<number> {
  let n = 0;
  for (const { connectionId, delayMs } of await unfinishedConnections(res.prisma)) {
    if (!res.queues.push.has(connectionId)) continue;
    await enqueuePush(res, connectionId, { dedupe: `restore-${connectionId}`, delayMs });
    n++;
  }
  return n;
}
