import type { Resources } from '../resources.ts';
import { connectionLimits } from './limits.ts';
import { iso } from './page.ts';
import type { ConnectionStatusView } from './views.ts';

type Counts = ConnectionStatusView['counts'];

/** Every configured connection: its last pull, what the store holds for it, and how far behind it is. */
export async function connectionStatus(res: Resources): Promise<ConnectionStatusView[]> {
  const db = res.prisma;
  const ids = [...res.connections.keys()];
  const byConn = <T extends { connectionId: string | null; _count: number }>(rows: T[]) =>
    new Map(rows.map((r) => [r.connectionId ?? '', r._count]));
  const [snapshots, links, quarantined, conflicts, pending, failed, held, rows] = await Promise.all([
    db.snapshotRecord.groupBy({ by: ['connectionId'], where: { goneAt: null }, _count: true }),
    db.link.groupBy({ by: ['connectionId'], _count: true }),
    db.quarantinedRecord.groupBy({ by: ['connectionId'], _count: true }),
    db.conflict.groupBy({ by: ['connectionId'], where: { status: 'open' }, _count: true }),
    db.outboxOp.groupBy({ by: ['connectionId'], where: { status: { in: ['pending', 'in_flight'] } }, _count: true }),
    db.outboxOp.groupBy({ by: ['connectionId'], where: { status: 'failed' }, _count: true }),
    db.heldDelete.groupBy({ by: ['connectionId'], where: { status: 'held' }, _count: true }),
    db.connection.findMany({ where: { id: { in: ids } } }),
  ]);
  const maps = {
    snapshots: byConn(snapshots),
    links: byConn(links),
    quarantined: byConn(quarantined),
    openConflicts: byConn(conflicts),
    pendingOps: byConn(pending),
    failedOps: byConn(failed),
    heldDeletes: byConn(held),
  };
  const connRows = new Map(rows.map((r) => [r.id, r]));
  const [lastRuns, lastCompleted] = await Promise.all([
    // The latest pull of each connection, whatever its state (a running or failed one shows here).
    Promise.all(
      ids.map((id) =>
        db.syncRun.findFirst({
          where: { kind: 'pull', connectionId: id },
          orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        }),
      ),
    ),
    db.syncRun.groupBy({
      by: ['connectionId'],
      where: { kind: 'pull', status: 'completed', connectionId: { in: ids } },
      _max: { finishedAt: true },
    }),
  ]);
  const limits = await Promise.all(
    ids.map(async (id) => connectionLimits(res, id, await lastFullPullRequests(res, id))),
  );
  const completedAt = new Map(lastCompleted.map((r) => [r.connectionId ?? '', r._max.finishedAt]));
  const now = res.now().getTime();
  return ids.map((id, i) => {
    const { config } = res.connections.get(id)!;
    const run = lastRuns[i];
    const done = completedAt.get(id) ?? connRows.get(id)?.lastPullAt ?? null;
    const counts = Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, m.get(id) ?? 0])) as unknown as Counts;
    return {
      id,
      provider: config.provider,
      direction: config.direction,
      lastPull: run
        ? {
            runId: run.id,
            status: run.status,
            startedAt: run.startedAt.toISOString(),
            finishedAt: iso(run.finishedAt),
            pulled: run.pulled,
            changed: run.changed,
            gone: run.gone,
            quarantined: run.quarantined,
            error: run.error ?? connRows.get(id)?.lastError ?? null,
          }
        : null,
      counts,
      lagSeconds: done ? Math.max(0, Math.round((now - done.getTime()) / 1000)) : null,
      limits: limits[i]!,
    };
  });
}

/** The requests of the connection's last completed full pull (null before one). */
async function lastFullPullRequests(res: Resources, id: string): Promise<number | null> {
  const run = await res.prisma.syncRun.findFirst({
    where: { kind: 'pull', connectionId: id, status: 'completed', full: true },
    orderBy: { startedAt: 'desc' },
    select: { requests: true },
  });
  return run?.requests ?? null;
}
