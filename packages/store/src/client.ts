import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { registerPool } from './sql-lane.ts';

export { PrismaClient };

/**
 * The root client, as the apps hold it: they hand it to store functions (it opens transactions:
 * `withTransaction`, `withSeqWrite`) and close it with `closeStore`, never query it themselves.
 */
export type Store = PrismaClient;

/** Closes the root client's connections. */
export const closeStore = (store: Store): Promise<void> => store.$disconnect();

/** A transaction client or the root client: store functions accept either. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface StoreOptions {
  /** Connection pool size; the default suits one worker process. */
  poolSize?: number;
  /**
   * Whether its statements count in `postgresRoundTrips` (default true). A test harness's own
   * client (watching a sync's progress) is left out, so that the count is the engine's.
   */
  counted?: boolean;
}

/**
 * Statements sent to Postgres by every client this process created but those made with
 * `counted: false` (each a round trip: queries, BEGIN and COMMIT alike), with the time until
 * each answered; the bench reports them per applied op.
 */
const counters = { statements: 0, ms: 0 };
export const postgresRoundTrips = (): { statements: number; ms: number } => ({ ...counters });

const counted = (client: pg.PoolClient): void => {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
    counters.statements++;
    const t0 = performance.now();
    const done = () => {
      const ms = performance.now() - t0;
      counters.ms += ms;
    };
    const p = query(...args);
    if (p && typeof (p as Promise<unknown>).then === 'function') (p as Promise<unknown>).then(done, done);
    return p;
  };
};

export function createPrisma(databaseUrl: string, options: StoreOptions = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  if (options.counted !== false) pool.on('connect', counted);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  registerPool(prisma, pool);
  return prisma;
}

/**
 * Whether an error says the database could not be reached or dropped the connection (a
 * restart, a failover), as opposed to a bad query: worth waiting out and retrying.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (/^(P1001|P1002|P1008|P1017|P2024|57P0[1-3]|08\d{3}|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code))
      return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (
      /ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection|not currently accepting connections|server closed the connection|Can't reach database|the database system is (starting up|shutting down)|Timed out fetching a new connection|no database connection free|has encountered a connection error and is not queryable/i.test(
        message,
      )
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
}
