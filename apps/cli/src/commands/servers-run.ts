import { ConfigError, closeResources, createLogger, createResources } from '@contact-sync/engine';
import { runDaemon } from '@contact-sync/engine/daemon';
import { readSettings, StartupError } from '@contact-sync/engine/settings';
import { applyMigrations, createDatabase, provideServices } from '@contact-sync/services';
import { FAULT_PROFILES, printSandboxInfo, startSandbox } from '@contact-sync/simulators';
import { startAdmin } from '../admin-server.ts';
import { CliError, type Command, EXIT, intFlag, oneOf, stringFlag } from '../cli.ts';
import { prefixOf, readConfig, requireEnv } from '../context.ts';
import { Lifecycle } from '../lifecycle.ts';
import { DEFAULT_CONTACTS, DEFAULT_SEED } from './demo.ts';

type RunInput = Parameters<Command['run']>[0];
export async function sandboxRun({ values, io }: RunInput): Promise<number> {
  const faults = oneOf(values, 'faults', Object.keys(FAULT_PROFILES)) ?? 'none';
  const opts = {
    port: intFlag(values, 'port', { min: 0, max: 65535, default: 4010 })!,
    host: stringFlag(values, 'host') ?? '127.0.0.1',
    seed: intFlag(values, 'seed', { min: 0, default: DEFAULT_SEED })!,
    contacts: intFlag(values, 'contacts', { min: 0, max: 1_000_000, default: DEFAULT_CONTACTS })!,
  };
  const life = new Lifecycle(io.err);
  try {
    const sb = await startSandbox({ ...opts, ...(faults !== 'none' ? { faults } : {}) }).catch((err) => {
      throw new CliError(`cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`);
    });
    life.add('simulators', () => sb.stop());
    for (const line of printSandboxInfo(sb)) io.out(line);
    io.out('');
    io.out(`${opts.contacts} people, seed ${opts.seed}, faults: ${faults}. Ctrl-C to stop.`);
    await life.interrupted;
    await life.stop();
    return EXIT.ok;
  } finally {
    await life.stop();
    life.release();
  }
}

export async function workerRun({ values, io }: RunInput): Promise<number> {
  const services = oneOf(values, 'services', ['auto']);
  const schedule = oneOf(values, 'schedule', ['on', 'off']) ?? 'on';
  const shutdownMs = intFlag(values, 'shutdown-timeout', { min: 1, default: 30 })! * 1000;
  const config = await readConfig(values);
  const life = new Lifecycle(io.err);
  const env = { ...process.env };
  try {
    if (services) {
      const provided = await provideServices({ log: (m) => io.err(`[services] ${m}`) });
      life.add('database servers', () => provided.stop());
      if (provided.sources.postgres === 'env') env.DATABASE_URL = provided.databaseUrl;
      else {
        env.DATABASE_URL = await createDatabase(provided.databaseUrl, 'contact_sync');
        await applyMigrations(env.DATABASE_URL, { log: (m) => io.err(`[migrate] ${m}`) });
      }
      env.REDIS_URL = provided.redisUrl;
    }
    if (values.prefix) env.CONTACT_SYNC_PREFIX = String(values.prefix);
    env.CONTACT_SYNC_SCHEDULE = schedule;
    let settings: ReturnType<typeof readSettings>;
    try {
      settings = readSettings([], env);
    } catch (err) {
      if (err instanceof StartupError) throw new CliError(err.message, EXIT.config);
      throw err;
    }
    const logger = createLogger({ pretty: false });
    const daemon = await runDaemon({
      config,
      env,
      databaseUrl: settings.databaseUrl,
      redisUrl: settings.redisUrl,
      prefix: settings.prefix,
      logger,
      schedule: settings.schedule,
      ...(settings.minBackoffMs !== undefined ? { minBackoffMs: settings.minBackoffMs } : {}),
    }).catch((err) => {
      if (err instanceof ConfigError) throw new CliError(err.message, EXIT.config);
      throw err;
    });
    life.add('worker', () => daemon.close());
    io.err(
      `contact-sync worker: ${config.connections.length} connections (${config.connections.map((c) => c.id).join(', ')}), ` +
        `prefix ${settings.prefix}, schedulers ${schedule}; pid ${process.pid}`,
    );
    const signal = await life.interrupted;
    io.err(`contact-sync worker: ${signal}: finishing in-flight jobs…`);
    const timer = setTimeout(() => {
      io.err(`contact-sync worker: graceful stop took over ${shutdownMs / 1000}s: exiting`);
      process.exit(EXIT.failure);
    }, shutdownMs);
    timer.unref();
    await life.stop(shutdownMs);
    io.err('contact-sync worker: stopped');
    return EXIT.ok;
  } finally {
    await life.stop();
    life.release();
  }
}

export async function adminRun({ values, io }: RunInput): Promise<number> {
  const port = intFlag(values, 'port', { min: 0, max: 65535, default: 8787 })!;
  const host = stringFlag(values, 'host') ?? '127.0.0.1';
  const token = process.env.ADMIN_TOKEN;
  if (!token || token.length < 16)
    throw new CliError('ADMIN_TOKEN is not set or shorter than 16 characters', EXIT.config);
  const config = await readConfig(values);
  const databaseUrl = requireEnv('DATABASE_URL');
  const redisUrl = requireEnv('REDIS_URL');
  // The admin server previews plans, which read every provider: a placeholder credential would
  // be refused there and pause the connection for the worker too, so every one must be set.
  for (const c of config.connections)
    if (!process.env[c.credentialEnv])
      throw new CliError(
        `connections.${c.id}: environment variable ${c.credentialEnv} is not set (the admin server's plan previews read every provider)`,
        EXIT.config,
      );
  const res = createResources({
    config,
    databaseUrl,
    redisUrl,
    prefix: prefixOf(values),
    logger: createLogger({ pretty: false }),
    env: process.env,
  });
  const life = new Lifecycle(io.err);
  life.add('resources', () => closeResources(res));
  try {
    const server = await startAdmin(res, { token, port, host, fallbackPort: false }).catch((err) => {
      throw new CliError(`cannot start the admin server on ${host}:${port}: ${(err as Error).message}`);
    });
    life.add('admin server', () => server.close());
    io.err(`contact-sync admin: ${server.url}/ (review page: ${server.url}/ui/#token=…)`);
    await life.interrupted;
    return EXIT.ok;
  } finally {
    await life.stop();
    life.release();
  }
}
