import type { OpenAdminContext } from '@contact-sync/admin-ops/context';
import type { Config, Resources } from '@contact-sync/engine';
import { CliError, EXIT, type OptionSpec } from './cli.ts';

/** Options every command that talks to a deployment takes. */
export const connectOptions: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    value: 'PATH',
    description: 'config file (default: $CONTACT_SYNC_CONFIG, else ./contact-sync.config.json)',
  },
  prefix: {
    type: 'string',
    value: 'PREFIX',
    description: 'BullMQ key prefix of the deployment (default: $CONTACT_SYNC_PREFIX, else cs)',
  },
};

export const ENV_HELP =
  'Environment: DATABASE_URL and REDIS_URL (required), CONTACT_SYNC_CONFIG, CONTACT_SYNC_PREFIX, LOG_LEVEL.';

// The engine is loaded only by commands that use it, so --help and usage errors stay fast.
const worker = () => import('@contact-sync/engine');

export async function readConfig(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Config> {
  const { ConfigError, loadConfig } = await worker();
  const path = typeof values.config === 'string' ? values.config : env.CONTACT_SYNC_CONFIG;
  try {
    return path ? loadConfig(path) : loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.config);
    throw err;
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v)
    throw new CliError(
      `${name} is not set (the ${name === 'DATABASE_URL' ? 'Postgres' : 'Redis'} URL of the deployment)`,
      EXIT.config,
    );
  return v;
}

export const prefixOf = (values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string =>
  (typeof values.prefix === 'string' && values.prefix) || env.CONTACT_SYNC_PREFIX || 'cs';

/**
 * What an admin command works with: Postgres, the queues and the config (`AdminContext`). Admin
 * commands never call a provider (the worker pushes what they enqueue), so no connector is built
 * and no credential is read. `budgets` also opens each connection's request budget (status, resume).
 */
export async function withAdminContext<T>(
  values: Record<string, unknown>,
  fn: (ctx: OpenAdminContext) => Promise<T>,
  opts: { budgets?: boolean } = {},
): Promise<T> {
  const env = process.env;
  const config = await readConfig(values, env);
  const { createLogger } = await worker();
  const { openAdminContext } = await import('@contact-sync/admin-ops/context');
  const ctx = openAdminContext({
    config,
    databaseUrl: requireEnv('DATABASE_URL', env),
    redisUrl: requireEnv('REDIS_URL', env),
    prefix: prefixOf(values, env),
    logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty: false }),
    ...(opts.budgets ? { budgets: true } : {}),
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close().catch(() => {});
  }
}

/** The worker's whole resources, for the commands that call the providers themselves (`plan`, `apply`): every credential must be set. */
export async function withResources<T>(
  values: Record<string, unknown>,
  fn: (res: Resources) => Promise<T>,
): Promise<T> {
  const env = process.env;
  const config = await readConfig(values, env);
  const { closeResources, createLogger, createResources } = await worker();
  const databaseUrl = requireEnv('DATABASE_URL', env);
  const redisUrl = requireEnv('REDIS_URL', env);
  for (const c of config.connections)
    if (!env[c.credentialEnv])
      throw new CliError(`connections.${c.id}: environment variable ${c.credentialEnv} is not set`, EXIT.config);
  const res = createResources({
    config,
    databaseUrl,
    redisUrl,
    prefix: prefixOf(values, env),
    logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty: false }),
    env,
    poolSize: 2,
  });
  try {
    return await fn(res);
  } finally {
    await closeResources(res).catch(() => {});
  }
}
