import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export type { Prisma } from './generated/prisma/client.ts';
export { PrismaClient };

/** A transaction client or the root client: store functions accept either. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface StoreOptions {
  /** Connection pool size; the default suits one worker process. */
  poolSize?: number;
}

export function createPrisma(databaseUrl: string, options: StoreOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  return new PrismaClient({ adapter });
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
      /ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection|not currently accepting connections|server closed the connection|Can't reach database|the database system is (starting up|shutting down)|Timed out fetching a new connection|has encountered a connection error and is not queryable/i.test(
        message,
      )
    )
      return true;
    e = e.cause as typeof e;
  }
  return false;
}
