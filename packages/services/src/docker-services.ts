import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LocalServer } from './local-postgres.ts';

const POSTGRES_IMAGE = 'postgres:16-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

/** Cheap hints that a container runtime may exist; without any, testcontainers is not even loaded. */
function runtimeHints(): boolean {
  if (process.env.DOCKER_HOST || process.env.TESTCONTAINERS_HOST_OVERRIDE) return true;
  const uid = process.getuid?.();
  return [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.docker/desktop/docker.sock'),
    join(homedir(), '.colima/default/docker.sock'),
    join(homedir(), '.rd/docker.sock'),
    uid === undefined ? '' : `/run/user/${uid}/docker.sock`,
    uid === undefined ? '' : `/run/user/${uid}/podman/podman.sock`,
  ].some((path) => path !== '' && existsSync(path));
}

/** True when testcontainers finds a working Docker (or compatible) engine; gives up after `timeoutMs`. */
export async function dockerAvailable(timeoutMs = 5_000): Promise<boolean> {
  if (!runtimeHints()) return false;
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// Testcontainers' reaper (Ryuk) removes these containers even if this process dies.
export async function startDockerPostgres(): Promise<Omit<LocalServer, 'pid' | 'dir'>> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    .withCommand([
      'postgres',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=1GB',
      '-c',
      'max_wal_size=4GB',
    ])
    .start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

export async function startDockerRedis(): Promise<Omit<LocalServer, 'pid' | 'dir'>> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(REDIS_IMAGE).start();
  return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}
