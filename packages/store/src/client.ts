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
