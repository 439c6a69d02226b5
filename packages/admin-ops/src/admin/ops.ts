import { enqueueOps } from '@contact-sync/engine/resources';
import { existingOpIds, failedOpIds, type OutboxOp, opsPage, retryFailedOps } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { decodeCursor, iso, pageOf, parseInput } from './page.ts';
import { isUuid } from './runs.ts';
import { AdminOpError, OpQuery, type OpView, type Page, RetrySelection } from './views.ts';

export const opView = (o: OutboxOp): OpView => ({
  id: o.id,
  connectionId: o.connectionId,
  canonicalId: o.canonicalId,
  kind: o.kind,
  status: o.status,
  externalId: o.externalId,
  target: o.target,
  changed: o.changed,
  attempts: o.attempts,
  httpAttempts: o.httpAttempts,
  httpFailures: o.httpFailures,
  generation: o.generation,
  lastError: o.lastError,
  runId: o.runId,
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
  completedAt: iso(o.completedAt),
});

/** Outbox operations (pushes), newest first; `status: 'failed'` lists what retry would take. */
export async function listOps(res: AdminContext, query: OpQuery = {}): Promise<Page<OpView>> {
  const q = parseInput(OpQuery, query);
  const rows = await opsPage(res.prisma, {
    limit: q.limit,
    after: decodeCursor(q.cursor),
    ...(q.status ? { status: q.status } : {}),
    ...(q.connectionId ? { connectionId: q.connectionId } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
  });
  return pageOf(rows, q.limit, (r) => r.createdAt, opView);
}

/**
 * Failed ops back to pending, re-enqueued. The generation is bumped (as when the store
 * re-arms an op), so the BullMQ job id is new and the failed job of the last attempt does not
 * swallow the retry. Only failed ops move: ids that are not failed are left alone, uncounted.
 */
export async function retryOps(res: AdminContext, selection: RetrySelection): Promise<{ retried: number }> {
  const sel = parseInput(RetrySelection, selection);
  const ids = (sel.ids ?? []).filter(isUuid);
  if (sel.ids) {
    const found = await existingOpIds(res.prisma, ids);
    const missing = sel.ids.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new AdminOpError('not_found', `ids: no op ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  const which = { ...(sel.ids ? { ids } : {}), ...(sel.connectionId ? { connectionId: sel.connectionId } : {}) };
  let retried = 0;
  // In chunks, so a connection with many failed ops is not one giant statement or enqueue.
  for (;;) {
    const chunk = await failedOpIds(res.prisma, which, 500);
    if (chunk.length === 0) break;
    const ops = await retryFailedOps(res.prisma, chunk);
    await enqueueOps(res, ops);
    retried += ops.length;
    if (sel.ids) break;
  }
  return { retried };
}
