import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { createDatabase, dropDatabase } from './databases.ts';
import type {} from './provided-context.ts';

export type TestDatabase = {
  /** Name of this test file's own database. */
  name: string;
  /** URL of a fresh database, already migrated (a copy of the global setup's template). */
  databaseUrl: string;
  redisUrl: string;
  /** A Redis key prefix no other test file uses (e.g. BullMQ's `prefix` option). */
  redisPrefix: string;
  drop(): Promise<void>;
};

/**
 * Gives the calling test file its own migrated database and Redis key prefix, so test files run
 * in parallel without seeing each other's rows or jobs. Call it at the top level of a test file
 * (`const db = await createTestDatabase()`): the database is dropped after the file's tests.
 * Pass `{ autoDrop: false }` to call it elsewhere and drop() yourself.
 */
export async function createTestDatabase(opts: { autoDrop?: boolean } = {}): Promise<TestDatabase> {
  const admin = inject('adminDatabaseUrl');
  const id = randomBytes(5).toString('hex');
  const name = `cs_test_${id}`;
  const databaseUrl = await createDatabase(admin, name, { template: inject('templateDatabase') });
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    dropped ??= dropDatabase(admin, name);
    return dropped;
  };
  if (opts.autoDrop ?? true) afterAll(drop);
  return { name, databaseUrl, redisUrl: inject('redisUrl'), redisPrefix: `cs-test-${id}`, drop };
}
