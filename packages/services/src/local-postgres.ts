import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { guardProcesses } from './process-guard.ts';
import { waitUntil } from './wait-until.ts';

export type LocalServer = { url: string; pid: number; dir: string; stop(): Promise<void> };

type RunAs = { uid: number; gid: number } | undefined;

/** Postgres refuses to run as root: when we are root, run it as the `postgres` user (or `nobody`). */
function unprivilegedUser(): RunAs {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root but found neither a `postgres` nor a `nobody` user to run Postgres as');
}

function exitWatcher(child: ChildProcess, output: () => string): () => string | undefined {
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exit ${code ?? signal}\n${output()}`;
  });
  return () => exited;
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** auto_explain's settings when `CONTACT_SYNC_PG_AUTO_EXPLAIN` names a log file (a diagnostic, off by default). */
const AUTO_EXPLAIN = [
  'session_preload_libraries=auto_explain',
  'auto_explain.log_min_duration=15ms',
  'auto_explain.log_analyze=on',
  'auto_explain.log_buffers=on',
  'auto_explain.log_nested_statements=on',
  'logging_collector=off',
  'log_destination=stderr',
];

/**
 * Starts a throwaway Postgres cluster from `bin` (initdb + postgres) on a free loopback port,
 * trust auth, durability off (a test server: speed over crash safety). All state lives in a
 * mkdtemp directory that stop() deletes.
 */
export async function startLocalPostgres(bin: string): Promise<LocalServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-postgres-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  const runAs = unprivilegedUser();
  if (runAs) {
    for (const path of [dir, sockets]) chownSync(path, runAs.uid, runAs.gid);
  }
  const spawnOptions = { ...(runAs ?? {}), cwd: dir, env: { ...process.env, LC_ALL: 'C' } };
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    { ...spawnOptions, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  let output = '';
  // detached: false keeps it in our process group, so a Ctrl-C in the terminal reaches it too.
  const explainLog = process.env.CONTACT_SYNC_PG_AUTO_EXPLAIN;
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      sockets,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      // Sized for the 100,000-person bench (a ~650 MB database): at 64 MB its working set no
      // longer fit and Postgres time grew faster than the data. Shared memory is touched lazily,
      // so a small test run does not pay for it. max_wal_size: fewer forced checkpoints in a long
      // sync (not measured on its own).
      '-c',
      'shared_buffers=1GB',
      '-c',
      'max_wal_size=4GB',
      // For the bench's per-statement breakdown (`CONTACT_SYNC_PG_STAT_STATEMENTS=1`), off by default.
      ...(process.env.CONTACT_SYNC_PG_STAT_STATEMENTS === '1'
        ? ['-c', 'shared_preload_libraries=pg_stat_statements']
        : []),
      // Plans of slow statements, with their timings, logged to this file (`CONTACT_SYNC_PG_AUTO_EXPLAIN=/tmp/pg.log`).
      ...(explainLog ? AUTO_EXPLAIN.flatMap((setting) => ['-c', setting]) : []),
    ],
    { ...spawnOptions, detached: false, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const append = (chunk: Buffer): void => {
    if (explainLog) appendFileSync(explainLog, chunk);
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  if (!child.pid) throw new Error('could not spawn postgres');
  // SIGQUIT = immediate shutdown: nothing here is worth a checkpoint.
  const release = guardProcesses(dir, [{ pid: child.pid, signal: 'SIGQUIT', comm: 'postgres' }]);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    await stopChild(child, 'SIGQUIT');
    release();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitUntil(
      `postgres on port ${port}`,
      async () => {
        const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
        client.on('error', () => {});
        try {
          await client.connect();
          await client.query('select 1');
          return true;
        } finally {
          await client.end().catch(() => {});
        }
      },
      { isDead: exitWatcher(child, () => output) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid, dir, stop };
}
