import { type OutboxOp, retryFailedOps } from '@contact-sync/store';
import { enqueueOps, type Resources } from '../resources.ts';
import { afterCursor, decodeCursor, iso, orderNewest, pageOf, parseInput } from './page.ts';
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
export async function listOps(res: Resources, query: OpQuery = {}): Promise<Page<OpView>> {
  const q = parseInput(OpQuery, query);
  const rows = await res.prisma.outboxOp.findMany({
    where: {
      ...(q.status ? { status: q.status } : {}),
      ...(q.connectionId ? { connectionId: q.connectionId } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...afterCursor('createdAt', decodeCursor(q.cursor)),
    },
    orderBy: orderNewest('createdAt'),
    take: q.limit + 1,
  });
  return pageOf(rows, q.limit, (r) => r.createdAt, opView);
}

/**
 * Failed ops back to pending, re-enqueued. The generation is bumped (as when the store
 * re-arms an op), so the BullMQ job id is new and the failed job of the last attempt does not
 * swallow the retry. Only failed ops move: ids that are not failed are left alone, uncounted.
 */
export async function retryOps(res: Resources, selection: RetrySelection): Promise<{ retried: number }> {
  const sel = parseInput(RetrySelection, selection);
  const ids = (sel.ids ?? []).filter(isUuid);
  if (sel.ids) {
    const found = new Set(
      (await res.prisma.outboxOp.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((o) => o.id),
    );
    const missing = sel.ids.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new AdminOpError('not_found', `ids: no op ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
  const where = {
    status: 'failed',
    ...(sel.ids ? { id: { in: ids } } : {}),
    ...(sel.connectionId ? { connectionId: sel.connectionId } : {}),
  };
  let retried = 0;
  // In chunks, so a connection with many failed ops is not one giant statement or enqueue.
  for (;;) {
    const chunk = await res.prisma.outboxOp.findMany({
      where,
      select: { id: true },
      orderBy: { id: 'asc' },
      take: 500,
    });
    if (chunk.length === 0) break;
    const ops = await retryFailedOps(
      res.prisma,
      chunk.map((c) => c.id),
    );
    await enqueueOps(res, ops);
    retried += ops.length;
    if (sel.ids) break;
  }
  return { retried };
}
