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

// The worker package is loaded only by commands that use it, so --help and usage errors stay fast.
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
 * The worker's resources for an admin command. Admin commands never call a provider (the
 * worker pushes what they enqueue), so a credential variable missing here is not an error:
 * it gets a placeholder that is never sent anywhere.
 */
async function openResources(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  /** The command calls the providers itself (`plan`, `apply`): every credential must be set. */
  opts: { credentials?: boolean } = {},
): Promise<Resources> {
  const config = await readConfig(values, env);
  const { createLogger, createResources } = await worker();
  const databaseUrl = requireEnv('DATABASE_URL', env);
  const redisUrl = requireEnv('REDIS_URL', env);
  const credentials: Record<string, string> = {};
  for (const c of config.connections) {
    if (opts.credentials && !env[c.credentialEnv])
      throw new CliError(`connections.${c.id}: environment variable ${c.credentialEnv} is not set`, EXIT.config);
    credentials[c.credentialEnv] = env[c.credentialEnv] || 'unused-by-admin-commands';
  }
  return createResources({
    config,
    databaseUrl,
    redisUrl,
    prefix: prefixOf(values, env),
    logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty: false }),
    env: { ...env, ...credentials },
    poolSize: 2,
  });
}

export async function withResources<T>(
  values: Record<string, unknown>,
  fn: (res: Resources) => Promise<T>,
  opts: { credentials?: boolean } = {},
): Promise<T> {
  const res = await openResources(values, process.env, opts);
  try {
    return await fn(res);
  } finally {
    const { closeResources } = await worker();
    await closeResources(res).catch(() => {});
  }
}
