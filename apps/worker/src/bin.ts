#!/usr/bin/env node
/**
 * The worker process: `node apps/worker/src/bin.ts [--config path]`.
 *
 * Environment:
 * - `CONTACT_SYNC_CONFIG` config file (default `contact-sync.config.json`; `--config` wins)
 * - `DATABASE_URL`, `REDIS_URL` (required)
 * - `CONTACT_SYNC_PREFIX` BullMQ key prefix (default `cs`)
 * - `CONTACT_SYNC_SCHEDULE=off` do not run the pull schedulers (resyncs are started by hand)
 * - `CONTACT_SYNC_MIN_BACKOFF_MS` lower bound of connector retry backoff (tests)
 * - `CONTACT_SYNC_LOCK_MS`, `CONTACT_SYNC_STALLED_MS` job lock lifetime and stalled-check interval
 *   (defaults 60 s / 30 s: how soon the jobs of a worker that died are picked up again)
 * - `CONTACT_SYNC_SWEEP_MS` how often the queues are restored from Postgres as a backstop (default 60 s)
 * - `CONTACT_SYNC_SHUTDOWN_MS` how long a graceful stop may take before the process exits anyway (default 30 s)
 * - `LOG_LEVEL`, and each connection's `credentialEnv`
 *
 * SIGTERM/SIGINT: stop taking jobs, let in-flight ones finish, close, exit 0. A second
 * signal exits at once (in-flight jobs are picked up again by another worker: every step
 * is safe to repeat). A bad config or environment exits 2 with the key named on stderr.
 */
import { ConfigError, loadConfig } from './config.ts';
import { type Daemon, runDaemon } from './daemon.ts';
import { createLogger } from './logger.ts';

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface BinSettings {
  configPath: string | undefined;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  schedule: boolean;
  minBackoffMs: number | undefined;
  shutdownMs: number;
  lockDurationMs: number | undefined;
  stalledIntervalMs: number | undefined;
  sweepIntervalMs: number | undefined;
}

/** Reads the process settings from argv and env; throws a StartupError naming the bad variable. */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): BinSettings {
  let configPath = env.CONTACT_SYNC_CONFIG;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      configPath = argv[++i];
      if (!configPath) throw new StartupError('--config: a file path is required');
    } else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else throw new StartupError(`unknown argument "${a}" (usage: bin.ts [--config path])`);
  }
  const url = (name: string, protocols: string[]): string => {
    const v = env[name];
    if (!v) throw new StartupError(`${name}: environment variable is not set`);
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new StartupError(`${name}: not a valid URL`);
    }
    if (!protocols.includes(u.protocol))
      throw new StartupError(`${name}: expected a ${protocols.join(' or ')} URL, got ${u.protocol}`);
    return v;
  };
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new StartupError(`${name}: expected a whole number of milliseconds, got "${v}"`);
    return Number(v);
  };
  const schedule = env.CONTACT_SYNC_SCHEDULE ?? 'on';
  if (!['on', 'off'].includes(schedule)) throw new StartupError(`CONTACT_SYNC_SCHEDULE: expected "on" or "off"`);
  const prefix = env.CONTACT_SYNC_PREFIX ?? 'cs';
  if (!/^[A-Za-z0-9_-]+$/.test(prefix))
    throw new StartupError('CONTACT_SYNC_PREFIX: letters, digits, "-" and "_" only');
  return {
    configPath,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    prefix,
    schedule: schedule === 'on',
    minBackoffMs: int('CONTACT_SYNC_MIN_BACKOFF_MS'),
    shutdownMs: int('CONTACT_SYNC_SHUTDOWN_MS') ?? 30_000,
    lockDurationMs: int('CONTACT_SYNC_LOCK_MS'),
    stalledIntervalMs: int('CONTACT_SYNC_STALLED_MS'),
    sweepIntervalMs: int('CONTACT_SYNC_SWEEP_MS'),
  };
}

async function main(): Promise<void> {
  const logger = createLogger({ pretty: false });
  let settings: BinSettings;
  let daemon: Daemon;
  try {
    settings = readSettings(process.argv.slice(2), process.env);
    const config = loadConfig(settings.configPath);
    daemon = await runDaemon({
      config,
      env: process.env,
      databaseUrl: settings.databaseUrl,
      redisUrl: settings.redisUrl,
      prefix: settings.prefix,
      logger,
      schedule: settings.schedule,
      ...(settings.minBackoffMs !== undefined ? { minBackoffMs: settings.minBackoffMs } : {}),
      ...(settings.lockDurationMs !== undefined ? { lockDurationMs: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs !== undefined ? { stalledIntervalMs: settings.stalledIntervalMs } : {}),
      ...(settings.sweepIntervalMs !== undefined ? { sweepIntervalMs: settings.sweepIntervalMs } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`contact-sync worker: ${err.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err: (err as Error).message }, 'worker failed to start');
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight jobs');
    const timer = setTimeout(() => {
      logger.error({ ms: settings.shutdownMs }, 'graceful stop took too long: exiting');
      process.exit(1);
    }, settings.shutdownMs);
    timer.unref();
    daemon.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err: (err as Error).message }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (err) => {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'unhandled rejection');
  });
}

if (import.meta.main) await main();
