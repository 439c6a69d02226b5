import pg from 'pg';
import type { Db, PrismaClient } from './client.ts';
import { Prisma } from './generated/prisma/client.ts';

/**
 * The hot statements' lane: tagged-template SQL sent on the store's own `pg` pool (the one under
 * Prisma's adapter), not through Prisma's client. Prisma serializes a raw query's parameters to
 * JSON and parses them back before its driver adapter sees them; with the pages, plans and batch
 * ends sent as JSON text parameters that was ~1 s of the worker's CPU in an initial sync of 10,000
 * people (bench profile) — as much as the queries cost Postgres to parse. The schema is still
 * Prisma's; so are every other query and transaction.
 *
 * A `SqlDb` answers `$queryRaw` and `$executeRaw` like Prisma's client, with the same values both
 * ways (`sql-lane.integration.test.ts` compares them): parameters as Prisma's pg adapter sends them
 * (a Date as its UTC wall time, a bigint as digits) and results as Prisma returns them (int8 as
 * bigint, timestamps as Dates read in UTC, json as values). Store functions that take a `SqlDb`
 * use nothing else, so they run on either.
 */
export type SqlDb = Pick<Db, '$queryRaw' | '$executeRaw'>;

const pools = new WeakMap<PrismaClient, pg.Pool>();

/** Called by `createPrisma`: the pool under a client, for its hot statements. */
export const registerPool = (prisma: PrismaClient, pool: pg.Pool): void => {
  // An idle connection that drops (a restart) is replaced by the pool; the next query sees the outage.
  pool.on('error', () => {});
  pools.set(prisma, pool);
};

/** The pool under a root client (every client comes from `createPrisma`, which registers it). */
function poolOf(prisma: PrismaClient): pg.Pool {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('the SQL lane needs a client made by createPrisma (no pg pool is known for this one)');
  return pool;
}

/** The lane of a root client: its statements go one by one on the client's pool. */
export function sqlDb(prisma: PrismaClient): SqlDb {
  const pool = poolOf(prisma);
  return facade((q) => pool.query(q));
}

/** The random_page_cost that makes a reconcile batch's lookups index probes (see `preferIndexScans`). */
export const INDEX_SCAN_PAGE_COST = '1.1';

/**
 * Runs `fn` in one transaction on a connection of the lane (BEGIN … COMMIT; ROLLBACK when it
 * throws). A connection that failed is dropped from the pool, not handed out again.
 */
export async function withSqlTransaction<T>(
  prisma: PrismaClient,
  fn: (tx: SqlDb) => Promise<T>,
  opts: {
    /** As Prisma's interactive transactions: the wait for a connection, and each statement's time, bounded. */
    timeout?: number;
    maxWait?: number;
    /** Plan lookups as index probes for the transaction (see `preferIndexScans`), set with its BEGIN. */
    indexScans?: boolean;
    /** A statement without parameters sent with the BEGIN (a lock to take first): no round trip of its own. */
    begin?: string;
  } = {},
): Promise<T> {
  const { timeout = 5_000, maxWait = 2_000, indexScans = false, begin } = opts;
  const pool = poolOf(prisma);
  const client = await connectWithin(pool, maxWait);
  // Set when the connection cannot be trusted any more (dropped, or its transaction's end failed
  // without an answer): it leaves the pool instead of going back.
  let broken: Error | undefined;
  const dropped = (err: Error) => {
    broken ??= err;
  };
  client.on('error', dropped);
  try {
    try {
      // No JIT: these are short statements over a batch's rows, whose compilation costs more than it
      // saves (39 ms of JIT in the 24 reads of people of a 10,000-person initial sync, for nothing).
      await client.query(
        `BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeout))}; SET LOCAL jit = off${indexScans ? `; SET LOCAL random_page_cost = ${INDEX_SCAN_PAGE_COST}` : ''}${begin ? `; ${begin}` : ''}`,
      );
    } catch (err) {
      broken ??= err as Error;
      throw err;
    }
    // One statement at a time on the connection, in the order they were asked for (a caller may
    // start two at once with Promise.all; pg queues them but deprecates asking while one runs).
    let previous: Promise<unknown> = Promise.resolve();
    const inTurn = (q: pg.QueryConfig) => {
      const next = previous.then(() => client.query(q));
      previous = next.catch(() => {});
      return next;
    };
    let out: T;
    try {
      out = await fn(facade(inTurn));
    } catch (err) {
      // A failed statement or an error of `fn`'s own: the rollback ends the transaction and the
      // connection is as good as new; a rollback that fails says it is not.
      await client.query('ROLLBACK').catch((e: Error) => {
        broken ??= e;
      });
      throw err;
    }
    try {
      await client.query('COMMIT');
    } catch (err) {
      // Postgres refusing the commit ends the transaction; anything else leaves it unknown.
      if (!(err instanceof pg.DatabaseError)) broken ??= err as Error;
      throw err;
    }
    return out;
  } finally {
    client.removeListener('error', dropped);
    client.release(broken);
  }
}

/** A pool connection, or an error naming the wait once `maxWait` ms passed (the connection, if it comes later, goes back). */
async function connectWithin(pool: pg.Pool, maxWait: number): Promise<pg.PoolClient> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      connecting.then(
        (c) => c.release(),
        () => {},
      );
      reject(new Error(`no database connection free within ${maxWait} ms (pool of ${pool.options.max})`));
    }, maxWait);
  });
  try {
    return await Promise.race([connecting, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Run = (q: pg.QueryConfig) => Promise<pg.QueryResult>;

function facade(run: Run): SqlDb {
  const query = async (strings: TemplateStringsArray, values: unknown[]) => {
    const sql = Prisma.sql(strings, ...values);
    return run({ text: sql.text, values: sql.values.map(toParam), types: RESULT_TYPES });
  };
  return {
    $queryRaw: ((strings: TemplateStringsArray, ...values: unknown[]) =>
      query(strings, values).then((r) => r.rows)) as unknown as SqlDb['$queryRaw'],
    $executeRaw: ((strings: TemplateStringsArray, ...values: unknown[]) =>
      query(strings, values).then((r) => r.rowCount ?? 0)) as unknown as SqlDb['$executeRaw'],
  };
}

/** A parameter as Prisma's pg adapter sends it. */
function toParam(v: unknown): unknown {
  if (v instanceof Date) return utcWallTime(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(toParam);
  return v;
}

const pad = (n: number, z = 2) => String(n).padStart(z, '0');
function utcWallTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('Provided Date object is invalid');
  const ms = d.getUTCMilliseconds();
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
}

// Result columns as Prisma returns them; every other type as pg parses it (text, bool, int4,
// float8, uuid, timestamptz, arrays of those).
const OID = { int8: 20, timestamp: 1114, json: 114, jsonb: 3802, int8Array: 1016 } as const;
const parseArray = pg.types.getTypeParser(1009 as never); // text[]: the elements as strings
const RESULT_TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    switch (oid) {
      case OID.int8:
        return (v: string) => BigInt(v);
      case OID.int8Array:
        return (v: string) => (parseArray(v) as (string | null)[]).map((x) => (x === null ? null : BigInt(x)));
      case OID.timestamp:
        return (v: string) => new Date(`${v.replace(' ', 'T')}Z`);
      case OID.json:
      case OID.jsonb:
        return (v: string) => JSON.parse(v);
      default:
        return pg.types.getTypeParser(oid, format as 'text');
    }
  }) as pg.CustomTypesConfig['getTypeParser'],
};
