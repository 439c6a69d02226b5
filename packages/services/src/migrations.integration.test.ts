import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from './databases.ts';
import { applyMigrations, readMigrations } from './migrations.ts';
import type {} from './provided-context.ts';

const admin = inject('adminDatabaseUrl');
const created: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'cs-migrations-'));
afterAll(async () => {
  for (const name of created) await dropDatabase(admin, name);
  rmSync(scratch, { recursive: true, force: true });
});

async function freshDatabase(): Promise<string> {
  const name = `cs_mig_${randomBytes(4).toString('hex')}`;
  created.push(name);
  return createDatabase(admin, name);
}

function writeMigrations(migrations: Record<string, string>): string {
  const dir = join(scratch, randomBytes(4).toString('hex'));
  addMigrations(dir, migrations);
  return dir;
}

function addMigrations(dir: string, migrations: Record<string, string>): void {
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const FIRST = 'CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n';
const SECOND = 'ALTER TABLE a ADD COLUMN name text;\n';

describe('applyMigrations', () => {
  it('applies migrations in name order and records them as prisma migrate deploy does', async () => {
    const url = await freshDatabase();
    const dir = writeMigrations({ '20260102000000_second': SECOND, '20260101000000_first': FIRST });
    const result = await applyMigrations(url, { migrationsDir: dir });
    expect(result).toEqual({ applied: ['20260101000000_first', '20260102000000_second'], alreadyApplied: [] });

    const rows = await query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
      id: string;
    }>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(['20260101000000_first', '20260102000000_second']);
    expect(rows[0]!.checksum).toBe(createHash('sha256').update(FIRST).digest('hex'));
    for (const row of rows) {
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The bookkeeping table has Prisma's exact columns and types.
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO' },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES' },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO' },
    ]);
  });

  it('is idempotent and applies only what is new', async () => {
    const url = await freshDatabase();
    const dir = writeMigrations({ '20260101000000_first': FIRST });
    await applyMigrations(url, { migrationsDir: dir });
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_first'],
    });
    addMigrations(dir, { '20260102000000_second': SECOND });
    expect(await applyMigrations(url, { migrationsDir: dir })).toEqual({
      applied: ['20260102000000_second'],
      alreadyApplied: ['20260101000000_first'],
    });
    expect(await query(url, 'SELECT * FROM a')).toEqual([{ id: 1, name: null }]);
  });

  it('lets only one of several concurrent appliers run each migration', async () => {
    const url = await freshDatabase();
    const dir = writeMigrations({ '20260101000000_first': FIRST, '20260102000000_second': SECOND });
    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(url, { migrationsDir: dir })));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['20260101000000_first', '20260102000000_second']);
    expect(await query(url, 'SELECT count(*)::int AS n FROM "_prisma_migrations"')).toEqual([{ n: 2 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM a')).toEqual([{ n: 1 }]);
  });

  it('rolls a failing migration back entirely, keeping the ones before it', async () => {
    const url = await freshDatabase();
    const dir = writeMigrations({
      '20260101000000_first': FIRST,
      '20260102000000_broken': 'CREATE TABLE b (id int);\nSELECT * FROM no_such_table;\n',
    });
    await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20260102000000_broken failed and was rolled back: relation "no_such_table" does not exist/,
    );
    expect(await query(url, 'SELECT migration_name FROM "_prisma_migrations"')).toEqual([
      { migration_name: '20260101000000_first' },
    ]);
    expect(await query(url, "SELECT to_regclass('b') AS b")).toEqual([{ b: null }]);
  });

  it('reads the committed prisma/migrations', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
  });
});
