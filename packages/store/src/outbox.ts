import type { Db } from './client.ts';
import type { OutboxOp } from './generated/prisma/client.ts';

export type { OutboxOp };
export type OpStatus = 'pending' | 'in_flight' | 'done' | 'failed' | 'superseded';

/** BullMQ job id of an op: stable for one generation, so re-enqueueing never doubles it. */
export const opJobId = (op: Pick<OutboxOp, 'idempotencyKey' | 'generation'>): string =>
  `${op.idempotencyKey}-g${op.generation}`;

export async function getOps(db: Db, ids: string[]): Promise<OutboxOp[]> {
  if (ids.length === 0) return [];
  return db.outboxOp.findMany({ where: { id: { in: ids } } });
}

/**
 * Claims an op for a push attempt: only a pending or in-flight op (in flight = a previous
 * attempt died or its outcome is unknown) can be claimed. Returns null when the op is finished.
 */
export async function claimOp(db: Db, id: string): Promise<OutboxOp | null> {
  const rows = await db.$queryRaw<OutboxOp[]>`
    UPDATE outbox_ops SET status = 'in_flight', attempts = attempts + 1, "updatedAt" = now()
    WHERE id = ${id}::uuid AND status IN ('pending', 'in_flight')
    RETURNING *`;
  return rows[0] ?? null;
}

export async function finishOp(db: Db, id: string, status: 'done' | 'superseded', note?: string): Promise<void> {
  await db.outboxOp.update({
    where: { id },
    data: { status, completedAt: new Date(), lastError: note ?? null },
  });
}

export async function failOp(db: Db, id: string, error: string): Promise<void> {
  await db.outboxOp.update({ where: { id }, data: { status: 'failed', lastError: error, completedAt: new Date() } });
}

export async function noteOpError(db: Db, id: string, error: string): Promise<void> {
  await db.outboxOp.update({ where: { id }, data: { lastError: error } });
}

/** Ops left pending or in flight (e.g. by a crash or a Redis restart), to re-enqueue at start. */
export async function unfinishedOps(db: Db, afterId: string | null, limit: number): Promise<OutboxOp[]> {
  return db.outboxOp.findMany({
    where: { status: { in: ['pending', 'in_flight'] }, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: limit,
  });
}

/** Unfinished ops per (canonical, connection), so the planner defers behind them. */
export async function unfinishedOpsFor(
  db: Db,
  canonicalIds: string[],
): Promise<{ canonicalId: string; connectionId: string }[]> {
  if (canonicalIds.length === 0) return [];
  return db.outboxOp.findMany({
    where: { canonicalId: { in: canonicalIds }, status: { in: ['pending', 'in_flight'] } },
    select: { canonicalId: true, connectionId: true },
  });
}

/** Puts failed ops back to pending (admin retry); returns them for enqueueing. */
export async function retryFailedOps(db: Db, ids: string[]): Promise<OutboxOp[]> {
  if (ids.length === 0) return [];
  return db.$queryRaw<OutboxOp[]>`
    UPDATE outbox_ops SET status = 'pending', attempts = 0, generation = generation + 1, "completedAt" = NULL, "updatedAt" = now()
    WHERE id = ANY(${ids}::uuid[]) AND status = 'failed'
    RETURNING *`;
}

export async function countOps(db: Db, where: { runId?: string; status?: OpStatus[] } = {}): Promise<number> {
  return db.outboxOp.count({
    where: {
      ...(where.runId ? { runId: where.runId } : {}),
      ...(where.status ? { status: { in: where.status } } : {}),
    },
  });
}
