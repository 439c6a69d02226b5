import type { Db } from './client.ts';

/**
 * Read-only aggregates the admin surfaces show: the status page, the Prometheus scrape, the
 * demo's summary. Each returns plain numbers keyed by connection (or kind), never Prisma rows.
 */

/** `SELECT 1`: Postgres answers. */
export async function ping(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}

const countBy = <K extends string>(rows: { _count: number }[], key: (r: never) => K): Map<K, number> =>
  new Map(rows.map((r) => [key(r as never), r._count]));

/** What the store holds per connection, for `status`: live snapshots, links, open work. */
export async function connectionCounts(db: Db) {
  const byConn = (rows: { connectionId: string | null; _count: number }[]) =>
    countBy(rows, (r: { connectionId: string | null }) => r.connectionId ?? '');
  const [snapshots, links, quarantined, openConflicts, pendingOps, failedOps, heldDeletes] = await Promise.all([
    db.snapshotRecord.groupBy({ by: ['connectionId'], where: { goneAt: null }, _count: true }),
    db.link.groupBy({ by: ['connectionId'], _count: true }),
    db.quarantinedRecord.groupBy({ by: ['connectionId'], _count: true }),
    db.conflict.groupBy({ by: ['connectionId'], where: { status: 'open' }, _count: true }),
    db.outboxOp.groupBy({ by: ['connectionId'], where: { status: { in: ['pending', 'in_flight'] } }, _count: true }),
    db.outboxOp.groupBy({ by: ['connectionId'], where: { status: 'failed' }, _count: true }),
    db.heldDelete.groupBy({ by: ['connectionId'], where: { status: 'held' }, _count: true }),
  ]);
  return {
    snapshots: byConn(snapshots),
    links: byConn(links),
    quarantined: byConn(quarantined),
    openConflicts: byConn(openConflicts),
    pendingOps: byConn(pendingOps),
    failedOps: byConn(failedOps),
    heldDeletes: byConn(heldDeletes),
  };
}

/** The connection rows (last pull time and error, record count) of these ids. */
export const connectionRows = (db: Db, ids: string[]) => db.connection.findMany({ where: { id: { in: ids } } });

/** Each connection's latest pull run, whatever its state (a running or failed one too). */
export const latestPulls = (db: Db, ids: string[]) =>
  Promise.all(
    ids.map((id) =>
      db.syncRun.findFirst({
        where: { kind: 'pull', connectionId: id },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      }),
    ),
  );

/** When each connection's last completed pull finished. */
export async function lastCompletedPullAt(db: Db, ids: string[]): Promise<Map<string, Date | null>> {
  const rows = await db.syncRun.groupBy({
    by: ['connectionId'],
    where: { kind: 'pull', status: 'completed', connectionId: { in: ids } },
    _max: { finishedAt: true },
  });
  return new Map(rows.map((r) => [r.connectionId ?? '', r._max.finishedAt]));
}

/** The HTTP requests of the connection's last completed full pull (null before one). */
export async function lastFullPullRequests(db: Db, connectionId: string): Promise<number | null> {
  const run = await db.syncRun.findFirst({
    where: { kind: 'pull', connectionId, status: 'completed', full: true },
    orderBy: { startedAt: 'desc' },
    select: { requests: true },
  });
  return run?.requests ?? null;
}

/** Records returned by pulls, summed over the runs kept, per connection. */
export async function pulledTotals(db: Db): Promise<{ connectionId: string; pulled: number }[]> {
  const rows = await db.syncRun.groupBy({ by: ['connectionId'], where: { kind: 'pull' }, _sum: { pulled: true } });
  return rows.map((r) => ({ connectionId: r.connectionId ?? '', pulled: r._sum.pulled ?? 0 }));
}

/** Outbox ops per connection, kind and status. */
export async function opCountsByStatus(
  db: Db,
): Promise<{ connectionId: string; kind: string; status: string; n: number }[]> {
  const rows = await db.outboxOp.groupBy({ by: ['connectionId', 'kind', 'status'], _count: true });
  return rows.map((r) => ({ connectionId: r.connectionId, kind: r.kind, status: r.status, n: r._count }));
}

/** Conflict entries per kind and status. */
export async function conflictCountsByStatus(db: Db): Promise<{ kind: string; status: string; n: number }[]> {
  const rows = await db.conflict.groupBy({ by: ['kind', 'status'], _count: true });
  return rows.map((r) => ({ kind: r.kind, status: r.status, n: r._count }));
}

/** Held deletes awaiting a decision, per connection. */
export async function heldDeleteCounts(db: Db): Promise<{ connectionId: string; n: number }[]> {
  const rows = await db.heldDelete.groupBy({ by: ['connectionId'], where: { status: 'held' }, _count: true });
  return rows.map((r) => ({ connectionId: r.connectionId, n: r._count }));
}

/** Quarantine rows, newest first, as the demo's summary counts them. */
export const quarantineRows = (db: Db) =>
  db.quarantinedRecord.findMany({
    select: { connectionId: true, externalId: true, error: true },
    orderBy: { createdAt: 'desc' },
  });

export interface DurationHistogram {
  buckets: { connectionId: string | null; le: number; n: bigint | number }[];
  totals: { connectionId: string | null; n: bigint | number; sum: number | null }[];
}

/**
 * Cumulative buckets of how long completed pulls took (start → finish), or how long done ops
 * waited from being written to being applied, per connection.
 */
export async function durationHistogram(db: Db, of: 'pull' | 'push', les: number[]): Promise<DurationHistogram> {
  const [table, where, d] =
    of === 'pull'
      ? [
          'sync_runs',
          `kind = 'pull' AND status = 'completed' AND "finishedAt" IS NOT NULL`,
          `EXTRACT(EPOCH FROM ("finishedAt" - "startedAt"))`,
        ]
      : [
          'outbox_ops',
          `status = 'done' AND "completedAt" IS NOT NULL`,
          `EXTRACT(EPOCH FROM ("completedAt" - "createdAt"))`,
        ];
  const [buckets, totals] = await Promise.all([
    db.$queryRawUnsafe<DurationHistogram['buckets']>(
      `SELECT "connectionId", le, count(*) AS n FROM ${table} CROSS JOIN unnest($1::float8[]) AS le WHERE ${where} AND ${d} <= le GROUP BY "connectionId", le`,
      les,
    ),
    db.$queryRawUnsafe<DurationHistogram['totals']>(
      `SELECT "connectionId", count(*) AS n, sum(${d})::float8 AS sum FROM ${table} WHERE ${where} GROUP BY "connectionId"`,
    ),
  ]);
  return { buckets, totals };
}

/** How many rows a table holds (the bench reports what a sync left behind). */
export async function rowCount(db: Db, table: 'snapshots' | 'people' | 'ledger'): Promise<number> {
  if (table === 'snapshots') return db.snapshotRecord.count();
  if (table === 'people') return db.canonicalContact.count();
  return db.ledgerEntry.count();
}

/** Outbox ops per status, and the failed ones with their reason (the fault suite's "every op accounted for"). */
export async function opsByStatusWithFailures(db: Db) {
  const byStatus = await db.outboxOp.groupBy({ by: ['status'], _count: true });
  const failed = await db.outboxOp.findMany({
    where: { status: 'failed' },
    select: { id: true, connectionId: true, kind: true, lastError: true },
  });
  return { byStatus: byStatus.map((s) => ({ status: s.status, n: s._count })), failed };
}

/** Every outbox op, oldest first (to explain a failing comparison). */
export const allOps = (db: Db) => db.outboxOp.findMany({ orderBy: { createdAt: 'asc' } });

/** Every run, oldest first. */
export const allRuns = (db: Db) => db.syncRun.findMany({ orderBy: { startedAt: 'asc' } });
