import { type Connector, capabilitiesFor, createConnector } from '@contact-sync/connectors';
import {
  closeStore,
  createPrisma,
  loadCredentialPause,
  type OutboxOp,
  opJobId,
  type SqlDb,
  type Store,
  saveCredentialPause,
  sqlDb,
} from '@contact-sync/store';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { RequestBudget } from './budget.ts';
import { type Config, type ConnectionConfig, credentialOf } from './config.ts';
import { jobRetries, PullJob, PushJob, queueNames, ReconcileJob, retention } from './jobs.ts';
import type { Logger } from './logger.ts';
import { opGate } from './push/op-requests.ts';
import { redisConnection } from './redis.ts';

/** Everything the worker's systems share, handed to each as one object. */
export interface Resources {
  config: Config;
  prisma: Store;
  /** The hot statements' lane on `prisma`'s own pool (`sqlDb`): pulls, reconcile and push batches use it. */
  sql: SqlDb;
  /** Where `prisma` connects (the worker lease opens a connection of its own). */
  databaseUrl: string;
  redis: ConnectionOptions;
  /** BullMQ key prefix; tests give each file its own. */
  prefix: string;
  logger: Logger;
  connections: Map<string, { config: ConnectionConfig; connector: Connector }>;
  queues: { pull: Map<string, Queue>; push: Map<string, Queue>; reconcile: Queue };
  /** Each connection's request budget (in Redis, shared by every process). */
  budgets: Map<string, RequestBudget>;
  /** The Redis connection the budgets use (closed with the resources). */
  budgetRedis: Redis;
  /** How often a paused connection probes its credential (one request lets through). */
  probeIntervalMs: number;
  now: () => Date;
  /** Aborted when the worker stops: every connector request in flight fails at once. */
  shutdown: AbortController;
  /** The worker lease (see `takeWorkerLease`) of the consumers running on these resources. */
  workerId?: number;
}

export interface ResourceOptions {
  config: Config;
  databaseUrl: string;
  redisUrl: string;
  logger: Logger;
  prefix?: string;
  env?: NodeJS.ProcessEnv;
  /** Lower bound of connectors' retry backoff (tests and the demo lower it). */
  minBackoffMs?: number;
  poolSize?: number;
  /** How often a connection paused for a rejected credential probes it (default 60 s). */
  probeIntervalMs?: number;
}

export function createResources(opts: ResourceOptions): Resources {
  const redis = redisConnection(opts.redisUrl);
  const prefix = opts.prefix ?? 'cs';
  const connections = new Map<string, { config: ConnectionConfig; connector: Connector }>();
  const budgets = new Map<string, RequestBudget>();
  const budgetRedis = budgetRedisOf(redis);
  const shutdown = new AbortController();
  const prisma = createPrisma(opts.databaseUrl, { poolSize: opts.poolSize ?? 10 });
  for (const conn of opts.config.connections) {
    const budget = connectionBudget(conn, {
      redis: budgetRedis,
      prefix,
      prisma,
      logger: opts.logger,
      probeIntervalMs: opts.probeIntervalMs ?? 60_000,
    });
    budgets.set(conn.id, budget);
    const connector = createConnector(conn.provider, {
      // The op bound in front of the budget; a create adopts on the queue's retry, not inside the connector.
      gate: opGate(budget),
      createRetries: 0,
      signal: shutdown.signal,
      baseUrl: conn.baseUrl,
      credential: credentialOf(conn, opts.env),
      timeoutMs: conn.timeout,
      options: conn.options,
      ...(opts.minBackoffMs !== undefined ? { minBackoffMs: opts.minBackoffMs } : {}),
    });
    connections.set(conn.id, { config: conn, connector });
  }
  return {
    config: opts.config,
    prisma,
    sql: sqlDb(prisma),
    databaseUrl: opts.databaseUrl,
    redis,
    prefix,
    logger: opts.logger,
    connections,
    queues: openQueues(opts.config, redis, prefix),
    budgets,
    budgetRedis,
    probeIntervalMs: opts.probeIntervalMs ?? 60_000,
    now: () => new Date(),
    shutdown,
  };
}

export async function closeResources(res: Resources): Promise<void> {
  const all = [...res.queues.pull.values(), ...res.queues.push.values(), res.queues.reconcile];
  await Promise.allSettled(all.map((q) => q.close()));
  res.budgetRedis.disconnect();
  await closeStore(res.prisma);
}

/** The deployment's queues: a pull and a push queue per connection, and the reconcile queue. */
export function openQueues(config: Config, redis: ConnectionOptions, prefix: string): Resources['queues'] {
  const pull = new Map<string, Queue>();
  const push = new Map<string, Queue>();
  for (const conn of config.connections) {
    pull.set(conn.id, new Queue(queueNames.pull(conn.id), { connection: redis, prefix }));
    push.set(conn.id, new Queue(queueNames.push(conn.id), { connection: redis, prefix }));
  }
  return { pull, push, reconcile: new Queue(queueNames.reconcile, { connection: redis, prefix }) };
}

/** The Redis connection the budgets share (their script calls wait for it rather than fail). */
export function budgetRedisOf(redis: ConnectionOptions): Redis {
  const client = new Redis({ ...(redis as RedisOptions), lazyConnect: true, maxRetriesPerRequest: null });
  client.on('error', () => {}); // reconnects on its own; a call that needs it fails (or waits) on its own
  return client;
}

/**
 * A connection's request budget, the same in every process (same Redis keys, the credential
 * pause kept in Postgres). With a logger (the worker) a credential's pause and resume are logged
 * and a pause that cannot be saved in Postgres is logged, not the request's failure; without
 * one (an admin's `connections resume`) a failed save is the caller's error.
 */
export function connectionBudget(
  conn: ConnectionConfig,
  opts: { redis: Redis; prefix: string; prisma: Store; logger?: Logger; probeIntervalMs?: number },
): RequestBudget {
  const { logger } = opts;
  return new RequestBudget({
    redis: opts.redis,
    prefix: opts.prefix,
    connectionId: conn.id,
    provider: conn.provider,
    windows: budgetWindows(conn),
    ...(opts.probeIntervalMs !== undefined ? { probeIntervalMs: opts.probeIntervalMs } : {}),
    ...(logger
      ? {
          onCredential: (state: 'rejected' | 'resumed', status: number) =>
            state === 'rejected'
              ? logger.error({ connectionId: conn.id, status }, 'credential rejected: connection paused, its ops wait')
              : logger.warn({ connectionId: conn.id, status }, 'credential accepted again: connection resumed'),
        }
      : {}),
    pauseStore: {
      load: () => loadCredentialPause(opts.prisma, conn.id),
      save: logger
        ? (status) =>
            saveCredentialPause(opts.prisma, conn.id, status).catch((err: Error) =>
              logger.error({ connectionId: conn.id, err: err.message }, 'credential pause not saved in Postgres'),
            )
        : (status) => saveCredentialPause(opts.prisma, conn.id, status),
    },
  });
}

/** The connection's budget windows: its config's `rateLimit`, else the provider's documented limits. */
export function budgetWindows(conn: ConnectionConfig): { max: number; durationMs: number }[] {
  if (conn.rateLimit) {
    const list = Array.isArray(conn.rateLimit) ? conn.rateLimit : [conn.rateLimit];
    return list.map((w) => ({ max: w.max, durationMs: w.duration }));
  }
  return [...(capabilitiesFor(conn.provider).requestBudget ?? [])];
}

export function connectionOf(res: Resources, id: string) {
  const c = res.connections.get(id);
  if (!c) throw new Error(`unknown connection "${id}" (not in the config)`);
  return c;
}

/** Queue jobs this process asked BullMQ to add (pulls, reconciles, revisits, pushes): the bench reports them per applied op. */
const jobsAdded = { n: 0 };
export const queueJobsAdded = (): number => jobsAdded.n;

export async function enqueuePull(res: Pick<Resources, 'queues'>, job: PullJob): Promise<void> {
  jobsAdded.n++;
  const data = PullJob.parse(job);
  const queue = res.queues.pull.get(data.connectionId);
  if (!queue) throw new Error(`unknown connection "${data.connectionId}"`);
  await queue.add('pull', data, {
    // A resync's pull has one job id, so restoring the queues can put back a lost one safely.
    ...(data.resyncRunId ? { jobId: `resync-${data.resyncRunId}-${data.connectionId}` } : {}),
    ...jobRetries.pull,
    ...retention,
  });
}

/**
 * Asks for a reconcile up to a snapshot sequence. The job id carries the sequence, so
 * pulls landing together ask once, and a reconcile already past that point is a no-op.
 */
export async function enqueueReconcile(
  res: Resources,
  upToSeq: bigint,
  reason: string,
  uniqueId?: string,
): Promise<void> {
  jobsAdded.n++;
  const data = ReconcileJob.parse({ upToSeq: upToSeq.toString(), reason });
  await res.queues.reconcile.add('reconcile', data, {
    // A request that must run even at an unchanged sequence (start-up, revisits) brings its own id.
    jobId: uniqueId ? `reconcile-${uniqueId}` : `reconcile-${data.upToSeq}`,
    ...jobRetries.reconcile,
    ...retention,
  });
}

/**
 * Asks for a revisit of people whose planning waited behind unfinished ops. Every finished
 * push may ask, so requests coalesce: at most one waiting and one running (a request made
 * while one runs is kept and runs after it, so none is lost), instead of a job per push
 * (bench: thousands of queued revisits, each scanning for ready people).
 */
export async function requestRecheck(res: Resources): Promise<void> {
  jobsAdded.n++;
  const data = ReconcileJob.parse({ upToSeq: '0', reason: 'recheck' });
  await res.queues.reconcile.add('reconcile', data, {
    deduplication: { id: 'recheck', keepLastIfActive: true },
    ...jobRetries.reconcile,
    ...retention,
  });
}

/**
 * Enqueues outbox rows (after their transaction committed): one push job per connection, which
 * claims that connection's ready ops in batches. The job id derives from the first row's
 * idempotency key and generation, so enqueueing the same rows again is a no-op.
 */
export async function enqueueOps(
  res: Pick<Resources, 'config' | 'queues' | 'logger'>,
  ops: Pick<OutboxOp, 'connectionId' | 'idempotencyKey' | 'generation'>[],
  /** Ahead of what waits (ops that were already under way: reclaimed, released). */
  opts: { first?: boolean } = {},
): Promise<void> {
  const first = new Map<string, (typeof ops)[number]>();
  for (const op of ops) if (!first.has(op.connectionId)) first.set(op.connectionId, op);
  for (const [connectionId, op] of first) {
    if (!res.queues.push.has(connectionId)) {
      res.logger.warn({ connectionId }, 'ops for a connection no longer configured are left pending');
      continue;
    }
    await enqueuePush(res, connectionId, { jobId: `batch-${opJobId(op)}`, ...(opts.first ? { lifo: true } : {}) });
  }
}

/**
 * Adds a push job for a connection: with its own id (idempotent), or deduplicated by `dedupe`
 * (at most one such job waiting); `delayMs` when its ops wait out a backoff.
 */
export async function enqueuePush(
  res: Pick<Resources, 'config' | 'queues'>,
  connectionId: string,
  opts: { jobId?: string; dedupe?: string; delayMs?: number; lifo?: boolean },
): Promise<void> {
  const queue = res.queues.push.get(connectionId);
  if (!queue) throw new Error(`unknown connection "${connectionId}"`);
  jobsAdded.n++;
  await queue.add('push', PushJob.parse({ connectionId }), {
    ...(opts.jobId ? { jobId: opts.jobId } : {}),
    ...(opts.dedupe ? { deduplication: { id: opts.dedupe } } : {}),
    ...(opts.delayMs ? { delay: opts.delayMs } : {}),
    ...(opts.lifo ? { lifo: true } : {}),
    ...jobRetries.push(res.config.push),
    ...retention,
  });
}
