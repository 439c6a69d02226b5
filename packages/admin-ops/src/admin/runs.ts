import { childRuns, findRun, runsPage, type SyncRun, withRunCounts } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { decodeCursor, iso, isUuid, pageOf, parseInput } from './page.ts';
import { AdminOpError, type Page, RunQuery, type RunView } from './views.ts';

export const runView = (r: SyncRun): RunView => ({
  id: r.id,
  kind: r.kind,
  connectionId: r.connectionId,
  full: r.full,
  status: r.status,
  pulled: r.pulled,
  changed: r.changed,
  gone: r.gone,
  quarantined: r.quarantined,
  opsPlanned: r.opsPlanned,
  opsApplied: r.opsApplied,
  opsFailed: r.opsFailed,
  conflicts: r.conflicts,
  expectedPulls: r.expectedPulls,
  error: r.error,
  parentRunId: r.parentRunId,
  startedAt: r.startedAt.toISOString(),
  finishedAt: iso(r.finishedAt),
});

/** Sync run history (pulls and admin resyncs), newest first. */
export async function listRuns(res: AdminContext, query: RunQuery = {}): Promise<Page<RunView>> {
  const q = parseInput(RunQuery, query);
  const rows = await runsPage(res.prisma, {
    limit: q.limit,
    after: decodeCursor(q.cursor),
    ...(q.connectionId ? { connectionId: q.connectionId } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
  });
  return pageOf(await withRunCounts(res.prisma, rows), q.limit, (r) => r.startedAt, runView);
}

/** One run and the runs it started (a resync's pulls). */
export async function getRun(res: AdminContext, id: string): Promise<RunView & { children: RunView[] }> {
  if (!isUuid(id)) throw new AdminOpError('not_found', `run "${id}" not found`);
  const found = await findRun(res.prisma, id);
  if (!found) throw new AdminOpError('not_found', `run "${id}" not found`);
  const [run] = await withRunCounts(res.prisma, [found]);
  const children = await childRuns(res.prisma, id);
  return { ...runView(run!), children: (await withRunCounts(res.prisma, children)).map(runView) };
}

export { isUuid };
