import type { BudgetWindow, RequestBudget } from '@contact-sync/engine/budget';
import type { Config, ConnectionConfig } from '@contact-sync/engine/config';
import type { Logger } from '@contact-sync/engine/logger';
import { redisConnection } from '@contact-sync/engine/redis';
import { budgetRedisOf, connectionBudget, openQueues, type Resources } from '@contact-sync/engine/resources';
import { closeStore, createPrisma } from '@contact-sync/store';

/**
 * What an admin operation works with: Postgres, the queues (it enqueues what it decided; the
 * worker pushes it), the config and a clock. No connectors and no credentials: an admin
 * operation never calls a provider. A worker's `Resources` is one, so the demo, the tests and
 * the admin server pass theirs; the CLI opens just this (`openAdminContext`).
 */
export interface AdminContext extends Pick<Resources, 'config' | 'prisma' | 'queues' | 'logger' | 'now'> {
  /** The configured connections, by id: their config only. */
  connections: ReadonlyMap<string, { config: ConnectionConfig }>;
}

/** The part of a connection's request budget the status and `connections resume` read and lift. */
type ConnectionBudget = Pick<RequestBudget, 'status' | 'paused' | 'resume'> & { windows: readonly BudgetWindow[] };

/** Connection status and resume also read each connection's request budget (in Redis). */
export interface BudgetContext extends AdminContext {
  budgets: ReadonlyMap<string, ConnectionBudget>;
}

export interface AdminContextOptions {
  config: Config;
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix of the deployment. */
  prefix: string;
  logger: Logger;
  /** Also open each connection's request budget (status, resume). */
  budgets?: boolean;
}

export interface OpenAdminContext extends AdminContext {
  budgets: ReadonlyMap<string, ConnectionBudget>;
  close(): Promise<void>;
}

/**
 * Opens Prisma (a small pool), the deployment's queues and, if asked, the budgets: the engine's
 * own `openQueues` and `connectionBudget`, as `createResources` opens them, without connectors.
 */
export function openAdminContext(opts: AdminContextOptions): OpenAdminContext {
  const redis = redisConnection(opts.redisUrl);
  const prisma = createPrisma(opts.databaseUrl, { poolSize: 2 });
  const queues = openQueues(opts.config, redis, opts.prefix);
  const connections = new Map(opts.config.connections.map((conn) => [conn.id, { config: conn }]));
  const budgetRedis = opts.budgets ? budgetRedisOf(redis) : null;
  const budgets = new Map(
    budgetRedis
      ? opts.config.connections.map((conn) => [
          conn.id,
          connectionBudget(conn, { redis: budgetRedis, prefix: opts.prefix, prisma }),
        ])
      : [],
  );
  return {
    config: opts.config,
    prisma,
    queues,
    logger: opts.logger,
    now: () => new Date(),
    connections,
    budgets,
    close: async () => {
      const all = [...queues.pull.values(), ...queues.push.values(), queues.reconcile];
      await Promise.allSettled(all.map((q) => q.close()));
      budgetRedis?.disconnect();
      await closeStore(prisma);
    },
  };
}
