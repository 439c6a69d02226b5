import { dockerAvailable, startDockerPostgres, startDockerRedis } from './docker-services.ts';
import { findOnPath, findPostgresBin } from './find-binaries.ts';
import { canInstallWithApt, installWithApt, missingServerMessage, type ServerKind } from './install-binaries.ts';
import { startLocalPostgres } from './local-postgres.ts';
import { startLocalRedis } from './local-redis.ts';
import { say } from './log.ts';

type ServiceSource = 'env' | 'docker' | 'local';

export type ProvidedServices = {
  /** Superuser URL of the server's maintenance database (`postgres`), or DATABASE_URL as given. */
  databaseUrl: string;
  redisUrl: string;
  /** Where the servers came from; when they differ, the one we started ('local' > 'docker' > 'env'). */
  source: ServiceSource;
  sources: { postgres: ServiceSource; redis: ServiceSource };
  /** Stops what this call started (never env-provided servers). Idempotent. */
  stop(): Promise<void>;
};

export type ProvideServicesOptions = {
  /** Defaults to process.env; DATABASE_URL / REDIS_URL are read from it. */
  env?: NodeJS.ProcessEnv;
  /**
   * 'auto' (default): env, else Docker, else local binaries. 'local' skips the Docker probe,
   * 'docker' requires Docker. The CONTACT_SYNC_SERVICES env var sets it too.
   */
  strategy?: 'auto' | 'docker' | 'local';
  /** Install missing binaries with apt-get when root on Debian-like systems (default true). */
  install?: boolean;
  /** Log lines (default: stderr). */
  log?: (message: string) => void;
};

type Started = { url: string; stop(): Promise<void> };

function rank(source: ServiceSource): number {
  return { env: 0, docker: 1, local: 2 }[source];
}

/** Resolves the binaries the local strategy needs, installing missing ones where allowed. */
function localBinaries(kinds: ServerKind[], install: boolean): { postgresBin?: string; redisServer?: string } {
  const find = () => ({ postgresBin: findPostgresBin(), redisServer: findOnPath('redis-server') });
  let found = find();
  const missing = kinds.filter((k) => (k === 'postgres' ? !found.postgresBin : !found.redisServer));
  if (missing.length === 0) return found;
  if (!install || !canInstallWithApt()) throw new Error(missingServerMessage(missing));
  installWithApt(missing);
  found = find();
  const still = kinds.filter((k) => (k === 'postgres' ? !found.postgresBin : !found.redisServer));
  if (still.length > 0) throw new Error(`installed with apt-get but still not found: ${still.join(', ')}`);
  return found;
}

/**
 * Provides a Postgres and a Redis for tests, the demo, benchmarks and CI: DATABASE_URL / REDIS_URL
 * when set (each on its own); else containers on a reachable Docker engine; else servers this
 * process starts from the machine's binaries (installing them with apt-get as root on Debian).
 */
export async function provideServices(opts: ProvideServicesOptions = {}): Promise<ProvidedServices> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? say;
  const strategy = opts.strategy ?? (env.CONTACT_SYNC_SERVICES as ProvideServicesOptions['strategy']) ?? 'auto';
  const needed: ServerKind[] = [];
  if (!env.DATABASE_URL) needed.push('postgres');
  if (!env.REDIS_URL) needed.push('redis');

  let startedSource: ServiceSource = 'env';
  const started = new Map<ServerKind, Started>();
  const stopAll = async (): Promise<void> => {
    const servers = [...started.values()];
    started.clear();
    await Promise.all(servers.map((s) => s.stop()));
  };

  if (needed.length > 0) {
    const useDocker = strategy === 'docker' || (strategy === 'auto' && (await dockerAvailable()));
    if (strategy === 'docker' && !(await dockerAvailable())) {
      throw new Error('CONTACT_SYNC_SERVICES=docker but no working Docker engine was found');
    }
    startedSource = useDocker ? 'docker' : 'local';
    const bins = useDocker ? {} : localBinaries(needed, opts.install ?? true);
    const starters: Record<ServerKind, () => Promise<Started>> = useDocker
      ? { postgres: startDockerPostgres, redis: startDockerRedis }
      : { postgres: () => startLocalPostgres(bins.postgresBin!), redis: () => startLocalRedis(bins.redisServer!) };
    const results = await Promise.allSettled(
      needed.map(async (kind) => {
        const server = await starters[kind]();
        started.set(kind, server);
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await stopAll();
      throw failure.reason;
    }
    log(`started ${needed.join(' and ')} (${startedSource}): ${needed.map((k) => started.get(k)!.url).join(' ')}`);
  }

  const sources = {
    postgres: started.has('postgres') ? startedSource : 'env',
    redis: started.has('redis') ? startedSource : 'env',
  } satisfies ProvidedServices['sources'];
  let stopping: Promise<void> | undefined;
  return {
    databaseUrl: started.get('postgres')?.url ?? env.DATABASE_URL!,
    redisUrl: started.get('redis')?.url ?? env.REDIS_URL!,
    source: rank(sources.postgres) >= rank(sources.redis) ? sources.postgres : sources.redis,
    sources,
    stop: () => {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
