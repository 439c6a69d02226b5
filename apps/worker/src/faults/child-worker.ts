import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@contact-sync/engine/config';

/** Worker processes the crash tests spawn, kill and restart. */

/** The worker process entry the crash tests spawn. */
const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
// A start on a loaded machine (the whole suite runs files in parallel on 2 cores) can take tens
// of seconds (seen: over 30 s at load 19); a worker that hangs at start still fails, just later.
const START_TIMEOUT_MS = 90_000;

export interface ChildWorker {
  child: ChildProcess;
  pid: number;
  /** stderr lines so far (JSON log lines). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ChildWorkerOptions {
  config: Config;
  /** Credentials (the config's credentialEnv variables). */
  env: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  dir?: string;
  logLevel?: string;
  /** Job lock lifetime: how soon a killed worker's jobs are handed on (default 3 s here). */
  lockMs?: number;
  /** Node options before the entry (e.g. `--import` of a preload module). */
  nodeArgs?: string[];
  /** More environment variables for the process. */
  extraEnv?: Record<string, string>;
}

/** Writes the config where a worker process reads it. */
function writeConfigFile(config: Config, dir = join(tmpdir(), 'cs-faults')): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `config-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Spawns `node bin.ts` and resolves once it logged "worker started". */
export async function spawnWorker(opts: ChildWorkerOptions): Promise<ChildWorker> {
  const configPath = writeConfigFile(opts.config, opts.dir);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, '--config', configPath], {
    env: {
      PATH: process.env.PATH ?? '',
      ...opts.env,
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: opts.redisUrl,
      CONTACT_SYNC_PREFIX: opts.prefix,
      CONTACT_SYNC_SCHEDULE: 'off',
      CONTACT_SYNC_MIN_BACKOFF_MS: '20',
      CONTACT_SYNC_LOCK_MS: String(opts.lockMs ?? 3000),
      CONTACT_SYNC_STALLED_MS: String(Math.max(500, Math.floor((opts.lockMs ?? 3000) / 3))),
      LOG_LEVEL: opts.logLevel ?? 'info',
      NODE_ENV: 'production',
      ...opts.extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let buf = '';
  let onLine: ((line: string) => void) | null = null;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      onLine?.(line);
      i = buf.indexOf('\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start in time:\n${lines.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    onLine = (line) => {
      if (line.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited before starting (code ${code}, signal ${signal}):\n${lines.join('\n')}`));
    });
  });
  onLine = null;
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
