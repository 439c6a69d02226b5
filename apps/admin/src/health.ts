import type { AdminContext } from '@contact-sync/admin-ops';
import { ping } from '@contact-sync/store';

export interface Readiness {
  ready: boolean;
  checks: { postgres: 'ok' | string; redis: 'ok' | string };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** PING over the reconcile queue's own connection (BullMQ's client forwards it to ioredis). */
async function redisPing(res: AdminContext): Promise<string> {
  const client = (await res.queues.reconcile.getBackend().client) as {
    ping?: () => Promise<string>;
    info(): Promise<string>;
  };
  return client.ping ? client.ping() : client.info();
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Postgres `SELECT 1` and Redis `PING`, each bounded by a timeout: BullMQ's connections
 * retry forever, so an unreachable Redis would otherwise hang the probe.
 */
export async function readiness(res: AdminContext, timeoutMs = 2000): Promise<Readiness> {
  const [pg, redis] = await Promise.allSettled([
    withTimeout(ping(res.prisma), timeoutMs, 'postgres'),
    withTimeout(redisPing(res), timeoutMs, 'redis'),
  ]);
  const checks = {
    postgres: pg.status === 'fulfilled' ? 'ok' : reason(pg.reason),
    redis: redis.status === 'fulfilled' ? 'ok' : reason(redis.reason),
  };
  return { ready: checks.postgres === 'ok' && checks.redis === 'ok', checks };
}
