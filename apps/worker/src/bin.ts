#!/usr/bin/env node
/**
 * The worker process: `node apps/worker/src/bin.ts [--config path]`.
 *
 * Environment: the settings `readSettings` reads (`packages/engine/src/settings.ts`: `DATABASE_URL`,
 * `REDIS_URL`, `CONTACT_SYNC_*`), `LOG_LEVEL`, and each connection's `credentialEnv`.
 *
 * SIGTERM/SIGINT: stop taking jobs, let in-flight ones finish, close, exit 0. A second
 * signal exits at once (in-flight jobs are picked up again by another worker: every step
 * is safe to repeat). A bad config or environment exits 2 with the key named on stderr.
 */
import {
  type BinSettings,
  ConfigError,
  createLogger,
  type Daemon,
  loadConfig,
  readSettings,
  runDaemon,
  StartupError,
} from '@contact-sync/engine';

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
