import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { closeResources, createResources, type Resources } from './resources.ts';
import { type RunningWorker, startWorker } from './worker.ts';

export interface DaemonOptions {
  config: Config;
  /** Where the connections' credentials are read from (`credentialEnv`); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix (default `cs`). Every process of one deployment must use the same. */
  prefix?: string;
  logger: Logger;
  /** Keep the pull schedulers in step with the config (default true; tests that drive resyncs turn it off). */
  schedule?: boolean;
  /** Lower bound of connectors' retry backoff (tests lower it). */
  minBackoffMs?: number;
  poolSize?: number;
  /** Job lock lifetime and stalled-check interval (see WorkerOptions); crash tests shorten them. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How often the queues are restored from Postgres as a backstop (see WorkerOptions). */
  sweepIntervalMs?: number;
}

export interface Daemon {
  res: Resources;
  worker: RunningWorker;
  /** Stops taking jobs, lets in-flight ones finish, closes queues and the database pool. Idempotent. */
  close(): Promise<void>;
}

/**
 * One worker process: the resources (Postgres pool, queues, connectors) and every
 * consumer. Any number of daemons may run against the same database and Redis prefix;
 * pulls and reconciles are globally one at a time, pushes are claimed row by row.
 */
export async function runDaemon(opts: DaemonOptions): Promise<Daemon> {
  const res = createResources({
    config: opts.config,
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    logger: opts.logger,
    ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.minBackoffMs !== undefined ? { minBackoffMs: opts.minBackoffMs } : {}),
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
  });
  let worker: RunningWorker;
  try {
    worker = await startWorker(res, {
      schedule: opts.schedule ?? true,
      ...(opts.lockDurationMs !== undefined ? { lockDurationMs: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs !== undefined ? { stalledIntervalMs: opts.stalledIntervalMs } : {}),
      ...(opts.sweepIntervalMs !== undefined ? { sweepIntervalMs: opts.sweepIntervalMs } : {}),
    });
  } catch (err) {
    await closeResources(res).catch(() => {});
    throw err;
  }
  opts.logger.info(
    { connections: [...res.connections.keys()], prefix: res.prefix, pid: process.pid },
    'worker started',
  );
  let closing: Promise<void> | null = null;
  return {
    res,
    worker,
    close: () => {
      closing ??= (async () => {
        await worker.close();
        await closeResources(res);
        opts.logger.info({ pid: process.pid }, 'worker stopped');
      })();
      return closing;
    },
  };
}
