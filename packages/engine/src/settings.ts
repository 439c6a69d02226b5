/**
 * The daemon's process settings, read from argv and the environment: shared by the worker
 * process (`apps/worker/src/bin.ts`) and the CLI's `worker` / `admin` commands.
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
 */
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
