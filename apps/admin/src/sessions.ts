import { createHash, randomBytes } from 'node:crypto';
import type { Resources } from '@contact-sync/engine';

/** How long a queue-dashboard session lives unless revoked (12 h). */
const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Server-side sessions for the queue dashboard's cookie: a random id per session, stored in
 * Redis with a TTL, so it expires on the server and `DELETE /api/v1/session` revokes it for
 * every admin process of the deployment. Redis holds a digest of the id, never the id itself.
 */
export interface SessionStore {
  readonly ttlMs: number;
  create(): Promise<string>;
  valid(id: string): Promise<boolean>;
  revoke(id: string): Promise<void>;
}

interface RedisLike {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  exists(key: string): Promise<number>;
  del(key: string): Promise<number>;
}

/** 32 random bytes, base64url. */
const ID = /^[A-Za-z0-9_-]{43}$/;

export function redisSessions(res: Resources, ttlMs = DEFAULT_SESSION_TTL_MS): SessionStore {
  // The reconcile queue's own connection (as the readiness probe uses it): no extra client to close.
  const client = async () => (await res.queues.reconcile.getBackend().client) as unknown as RedisLike;
  const key = (id: string) =>
    `${res.prefix}:admin-session:${createHash('sha256').update(id, 'utf8').digest('base64url')}`;
  return {
    ttlMs,
    async create() {
      const id = randomBytes(32).toString('base64url');
      await (await client()).set(key(id), '1', 'PX', ttlMs);
      return id;
    },
    async valid(id) {
      return ID.test(id) && (await (await client()).exists(key(id))) === 1;
    },
    async revoke(id) {
      if (ID.test(id)) await (await client()).del(key(id));
    },
  };
}
