import type { Db, PrismaClient } from './client.ts';

export interface TransactionOptions {
  timeout?: number;
  maxWait?: number;
  isolationLevel?: 'ReadCommitted' | 'RepeatableRead' | 'Serializable';
}

/**
 * Runs `fn` in one transaction: commits when it returns, rolls back when it throws. The handle
 * it gets is the store's `Db`: callers hand it to store functions, never query it themselves.
 */
export const withTransaction = <T>(
  prisma: PrismaClient,
  fn: (tx: Db) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> => prisma.$transaction(fn, opts);
