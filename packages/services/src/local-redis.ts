import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import type { LocalServer } from './local-postgres.ts';
import { stopChild } from './local-postgres.ts';
import { guardProcesses } from './process-guard.ts';
import { waitUntil } from './wait-until.ts';

/** Sends PING over a raw socket and resolves true on +PONG (no client library needed). */
export function redisPing(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (error?: Error): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply.startsWith('+PONG'));
    };
    socket.setTimeout(timeoutMs, () => done(new Error('timeout')));
    socket.once('error', done);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done();
    });
  });
}

/** Starts a throwaway, non-persistent redis-server on a free (or the given) loopback port. */
export async function startLocalRedis(redisServer: string, opts: { port?: number } = {}): Promise<LocalServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-redis-'));
  // A given port lets a test restart "the same" Redis (empty, as after a crash without persistence).
  const port = opts.port ?? (await freePort());
  let output = '';
  const child = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { cwd: dir, detached: false, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  if (!child.pid) throw new Error('could not spawn redis-server');
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exit ${code ?? signal}\n${output}`;
  });
  const release = guardProcesses(dir, [{ pid: child.pid, signal: 'SIGTERM', comm: 'redis-server' }]);
  const stop = async (): Promise<void> => {
    await stopChild(child, 'SIGTERM');
    release();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitUntil(`redis-server on port ${port}`, () => redisPing('127.0.0.1', port), { isDead: () => exited });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid, dir, stop };
}
