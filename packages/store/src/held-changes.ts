import { z } from 'zod';
import type { Db } from './client.ts';
import type { HeldChangeSet } from './generated/prisma/client.ts';

/**
 * What the admin surfaces read about the change sets the update guard held, and the statements
 * of an admin's decision on one (the guard's own writes are in `update-holds.ts`).
 */

/** Per connection whose share tripped the guard: records changed, records held there, share. */
const HeldChangeSummary = z.array(
  z.object({
    connectionId: z.string(),
    field: z.string(),
    changed: z.number(),
    total: z.number(),
    share: z.number(),
  }),
);

/** A held change set with its summary parsed. */
export type HeldChangeSetRow = Omit<HeldChangeSet, 'summary'> & { summary: z.infer<typeof HeldChangeSummary> };

export const typedHeldChangeSet = (r: HeldChangeSet): HeldChangeSetRow => ({
  ...r,
  summary: HeldChangeSummary.parse(r.summary),
});

/** One change set, or null. */
export async function heldChangeSetById(db: Db, id: string): Promise<HeldChangeSetRow | null> {
  const row = await db.heldChangeSet.findUnique({ where: { id } });
  return row && typedHeldChangeSet(row);
}

/** These change sets (those that exist, in no order). */
export async function heldChangeSetsByIds(db: Db, ids: string[]): Promise<HeldChangeSetRow[]> {
  const rows = await db.heldChangeSet.findMany({ where: { id: { in: ids } } });
  return rows.map(typedHeldChangeSet);
}

/** Up to `take` changes of a set, by connection; and how many it has in all. */
export const heldChangesOf = (db: Db, setId: string, take: number) =>
  Promise.all([
    db.heldChange.findMany({ where: { setId }, orderBy: [{ connectionId: 'asc' }, { id: 'asc' }], take }),
    db.heldChange.count({ where: { setId } }),
  ]);

/** A set's writes still held, per connection. */
export async function heldWritesOf(db: Db, setId: string): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<{ connectionId: string; n: bigint }[]>`
      SELECT o."connectionId", count(*) AS n FROM held_changes hc JOIN outbox_ops o ON o.id = hc."opId"
      WHERE hc."setId" = ${setId}::uuid AND o.status = 'held' GROUP BY o."connectionId"`;
  return Object.fromEntries(rows.map((w) => [w.connectionId, Number(w.n)]));
}

/** Locks a change set for its decision; its status, or null when there is none. */
export async function lockHeldChangeSet(tx: Db, id: string): Promise<string | null> {
  const [locked] = await tx.$queryRaw<{ status: string }[]>`
    SELECT status FROM held_change_sets WHERE id = ${id}::uuid FOR UPDATE`;
  return locked?.status ?? null;
}

/** A held change whose op is still held: what a decision on the set confirms or rejects. */
export interface StillHeldChange {
  opId: string;
  canonicalId: string;
  connectionId: string;
  field: string;
  before: unknown;
  after: unknown;
}

export const stillHeldChanges = (tx: Db, setId: string) =>
  tx.$queryRaw<StillHeldChange[]>`
    SELECT hc."opId", hc."canonicalId", hc."connectionId", hc.field, hc.before, hc.after
    FROM held_changes hc JOIN outbox_ops o ON o.id = hc."opId" WHERE hc."setId" = ${setId}::uuid AND o.status = 'held'`;

/** Releases held ops (`pending`: they go out) or ends them (`superseded`, with the reason). */
export async function setHeldOpsStatus(
  tx: Db,
  opIds: string[],
  status: 'pending' | 'superseded',
  note: string | null,
): Promise<void> {
  if (opIds.length === 0) return;
  const done = status === 'superseded';
  await tx.$executeRaw`UPDATE outbox_ops SET status = ${status}, "lastError" = ${note},
    "completedAt" = CASE WHEN ${done} THEN now() ELSE NULL END, "updatedAt" = now()
    WHERE id = ANY(${opIds}::uuid[]) AND status = 'held'`;
}

/** Records an admin's decision on a change set. */
export async function closeHeldChangeSet(
  tx: Db,
  id: string,
  status: 'confirmed' | 'rejected',
  at: Date,
): Promise<void> {
  await tx.heldChangeSet.update({ where: { id }, data: { status, decidedAt: at } });
}
