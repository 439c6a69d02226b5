import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { say } from './log.ts';

export type ServerKind = 'postgres' | 'redis';

const APT_PACKAGE: Record<ServerKind, string> = { postgres: 'postgresql', redis: 'redis-server' };

/** The message for a machine where we may not install anything ourselves. */
export function missingServerMessage(kinds: ServerKind[]): string {
  const names = kinds.map((k) => (k === 'postgres' ? 'Postgres' : 'Redis')).join(' and ');
  return [
    `${names} not found, and this process cannot install ${kinds.length > 1 ? 'them' : 'it'} (installing needs root on a Debian-like system).`,
    'Provide them in one of three ways:',
    '  1. set DATABASE_URL and/or REDIS_URL to servers you run (e.g. `docker compose up -d` then DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379);',
    '  2. run a Docker engine: the services module then starts postgres:16 and redis:7 containers itself (testcontainers);',
    `  3. install the binaries: e.g. \`sudo apt-get install -y ${kinds.map((k) => APT_PACKAGE[k]).join(' ')}\` (Postgres from /usr/lib/postgresql/*/bin, redis-server on PATH).`,
  ].join('\n');
}

export function canInstallWithApt(): boolean {
  return (
    process.getuid?.() === 0 && existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version']).status === 0
  );
}

/** Installs the missing servers with apt-get (root on Debian-like systems only) and says so. */
export function installWithApt(kinds: ServerKind[]): void {
  const packages = kinds.map((k) => APT_PACKAGE[k]);
  say(
    `installing ${packages.join(' ')} with apt-get (not found on this machine; running as root on a Debian-like system)`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'],
    ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    const run = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(
        `apt-get ${args.join(' ')} failed (exit ${run.status}):\n${run.stderr}\n\n${missingServerMessage(kinds)}`,
      );
    }
  }
  say(`installed ${packages.join(' ')}`);
}
