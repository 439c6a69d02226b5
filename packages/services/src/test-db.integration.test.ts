import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import type {} from './provided-context.ts';
import { createTestDatabase } from './test-db.ts';

const first = await createTestDatabase();
const second = await createTestDatabase({ autoDrop: false });

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database and Redis prefix', async () => {
    expect(first.name).not.toBe(second.name);
    expect(first.redisPrefix).not.toBe(second.redisPrefix);
    expect(first.redisUrl).toBe(inject('redisUrl'));
    const migrations = await withClient(first.databaseUrl, async (c) => {
      const rows = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
      );
      return rows.rows[0]!.n;
    });
    expect(migrations).toBeGreaterThan(0);
  });

  it('isolates rows between databases', async () => {
    await withClient(first.databaseUrl, (c) =>
      c.query('CREATE TABLE only_here (x int); INSERT INTO only_here VALUES (1)'),
    );
    const elsewhere = await withClient(second.databaseUrl, (c) => c.query("SELECT to_regclass('only_here') AS t"));
    expect(elsewhere.rows).toEqual([{ t: null }]);
  });

  it('drops the database on drop()', async () => {
    await second.drop();
    await expect(withClient(second.databaseUrl, (c) => c.query('SELECT 1'))).rejects.toThrow(/does not exist/);
  });
});
