import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrisma, createRun, type SqlDb, sqlDb, withSqlTransaction } from './index.ts';

// The hot statements' lane answers as Prisma's client does, both ways (~1 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

const at = new Date('2026-01-02T03:04:05.678Z');
const probe = (d: SqlDb) => d.$queryRaw<Record<string, unknown>[]>`
  SELECT 1::int4 AS i4, 9007199254740993::int8 AS i8, true AS b, 'x'::text AS t, NULL::text AS n, 1.5::float8 AS f,
    '7d444840-9dc0-11d1-b245-5ffdce74fad2'::uuid AS u, '{"a":[1,"2"]}'::jsonb AS j, '[1]'::json AS js,
    '2026-01-02 03:04:05.678'::timestamp(3) AS ts, '2026-01-02 03:04:05.678+02'::timestamptz AS tstz,
    ARRAY['a', NULL]::text[] AS ta, ARRAY[1, 2]::int8[] AS i8a, ARRAY['7d444840-9dc0-11d1-b245-5ffdce74fad2']::uuid[] AS ua,
    (SELECT count(*) FROM generate_series(1, 3)) AS c,
    ${at}::timestamp(3) AS p_ts, ${at}::timestamptz AS p_tstz, ${12345678901234567890n}::numeric::text AS p_big,
    ${[1n, 2n]}::bigint[] AS p_bigs, ${['a', 'b']}::text[] AS p_texts, ${true} AS p_bool, ${null}::text AS p_null,
    ${1.25}::float8 AS p_float, ${7}::int AS p_int, ${'{"x":"é\\u00e9"}'}::jsonb AS p_json`;

describe('the SQL lane', () => {
  it('returns what Prisma returns, for every type the hot statements use', async () => {
    const viaPrisma = await probe(prisma);
    const viaLane = await probe(sqlDb(prisma));
    expect(viaLane).toEqual(viaPrisma);
    // And the values themselves, so that both cannot be wrong together.
    expect(viaLane[0]).toMatchObject({
      i8: 9007199254740993n,
      ts: at,
      p_ts: at,
      p_tstz: at,
      c: 3n,
      i8a: [1n, 2n],
      j: { a: [1, '2'] },
      p_big: '12345678901234567890',
    });
  });

  it('commits what its transaction wrote, and rolls it all back when it throws', async () => {
    const kept = await withSqlTransaction(prisma, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO sync_runs (id, kind, status) VALUES (gen_random_uuid(), 'pull', 'running') RETURNING id`;
      return rows[0]!.id;
    });
    expect(await prisma.syncRun.count({ where: { id: kept } })).toBe(1);
    const run = await createRun(prisma, { kind: 'pull', connectionId: 'churchpad', full: true });
    await expect(
      withSqlTransaction(prisma, async (tx) => {
        await tx.$executeRaw`UPDATE sync_runs SET pulled = 99 WHERE id = ${run.id}::uuid`;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } })).pulled).toBe(0);
    // A statement that fails leaves the pool usable.
    await expect(withSqlTransaction(prisma, (tx) => tx.$queryRaw`SELECT 1/0`)).rejects.toThrow(/division by zero/);
    expect(await sqlDb(prisma).$queryRaw<{ one: number }[]>`SELECT 1::int AS one`).toEqual([{ one: 1 }]);
  });
});
