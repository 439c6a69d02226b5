import { type BudgetWindow, RequestBudget } from '@contact-sync/engine/budget';
import type { Config, ConnectionConfig } from '@contact-sync/engine/config';
import { queueNames } from '@contact-sync/engine/jobs';
import type { Logger } from '@contact-sync/engine/logger';
import { redisConnection } from '@contact-sync/engine/redis';
import { budgetWindows, type Resources } from '@contact-sync/engine/resources';
import { closeStore, createPrisma, loadCredentialPause, saveCredentialPause } from '@contact-sync/store';
import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

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
 * Opens Prisma (a small pool), the deployment's queues and, if asked, the budgets. The budgets
 * are built as `createResources` builds them (same Redis keys and credential pause store), but
 * without a connector in front of them.
 */
export function openAdminContext(opts: AdminContextOptions): OpenAdminContext {
  const redis = redisConnection(opts.redisUrl);
  const prefix = opts.prefix;
  const prisma = createPrisma(opts.databaseUrl, { poolSize: 2 });
  const pull = new Map<string, Queue>();
  const push = new Map<string, Queue>();
  const connections = new Map<string, { config: ConnectionConfig }>();
  const budgets = new Map<string, RequestBudget>();
  const budgetRedis = opts.budgets
    ? new Redis({ ...(redis as RedisOptions), lazyConnect: true, maxRetriesPerRequest: null })
    : null;
  budgetRedis?.on('error', () => {}); // reconnects on its own; a command that needs it fails on its call
  for (const conn of opts.config.connections) {
    connections.set(conn.id, { config: conn });
    pull.set(conn.id, new Queue(queueNames.pull(conn.id), { connection: redis, prefix }));
    push.set(conn.id, new Queue(queueNames.push(conn.id), { connection: redis, prefix }));
    if (budgetRedis)
      budgets.set(
        conn.id,
        new RequestBudget({
          redis: budgetRedis,
          prefix,
          connectionId: conn.id,
          provider: conn.provider,
          windows: budgetWindows(conn),
          pauseStore: {
            load: () => loadCredentialPause(prisma, conn.id),
            save: (status) => saveCredentialPause(prisma, conn.id, status),
          },
        }),
      );
  }
  const queues = { pull, push, reconcile: new Queue(queueNames.reconcile, { connection: redis, prefix }) };
  return {
    config: opts.config,
    prisma,
    queues,
    logger: opts.logger,
    now: () => new Date(),
    connections,
    budgets,
    close: async () => {
      const all = [...pull.values(), ...push.values(), queues.reconcile];
      await Promise.allSettled(all.map((q) => q.close()));
      budgetRedis?.disconnect();
      await closeStore(prisma);
    },
  };
}
