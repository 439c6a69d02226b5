import {
  connectionCounts,
  connectionRows,
  lastCompletedPullAt,
  lastFullPullRequests,
  latestPulls,
} from '@contact-sync/store';
import type { BudgetContext } from '../context.ts';
import { connectionLimits } from './limits.ts';
import { iso } from './page.ts';
import type { ConnectionStatusView } from './views.ts';

type Counts = ConnectionStatusView['counts'];

/** Every configured connection: its last pull, what the store holds for it, and how far behind it is. */
export async function connectionStatus(res: BudgetContext): Promise<ConnectionStatusView[]> {
  const db = res.prisma;
  const ids = [...res.connections.keys()];
  const [maps, rows, lastRuns, completedAt] = await Promise.all([
    connectionCounts(db),
    connectionRows(db, ids),
    latestPulls(db, ids),
    lastCompletedPullAt(db, ids),
  ]);
  const connRows = new Map(rows.map((r) => [r.id, r]));
  const limits = await Promise.all(
    ids.map(async (id) => connectionLimits(res, id, await lastFullPullRequests(db, id))),
  );
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
