import type { Db } from './client.ts';
import type { Conflict, Prisma } from './generated/prisma/client.ts';
import { jsonParam } from './json.ts';
import type { SqlDb } from './sql-lane.ts';

/** The conflict report's rows (field conflicts, matching questions, report entries) and its decisions. */

export type { Conflict };
/** A conflict or report entry to insert (deduplicated by `dedupeKey`). */
export type NewConflict = Prisma.ConflictCreateManyInput;

/** The report's filter: the list, the counts and bulk decisions share it. */
export interface ConflictFilter {
  status?: string | undefined;
  kind?: string | undefined;
  field?: string | undefined;
  /** Matches any side of the conflict (a field conflict names several connections). */
  connectionId?: string | undefined;
}

export function conflictWhere(q: ConflictFilter): Prisma.ConflictWhereInput {
  return {
    AND: [
      q.status ? { status: q.status } : {},
      q.kind ? { kind: q.kind } : {},
      q.field ? { field: q.field } : {},
      q.connectionId
        ? { OR: [{ connectionId: q.connectionId }, { sides: { array_contains: [{ connectionId: q.connectionId }] } }] }
        : {},
    ],
  };
}

/** A conflict by id, or null. */
export const conflictById = (db: Db, id: string) => db.conflict.findUnique({ where: { id } });

/** Re-reads a conflict under a row lock: two admins deciding at once cannot both win. */
export async function lockConflictRow(tx: Db, id: string): Promise<Conflict> {
  await tx.$queryRaw`SELECT id FROM conflicts WHERE id = ${id}::uuid FOR UPDATE`;
  return tx.conflict.findUniqueOrThrow({ where: { id } });
}

/** Up to `take` conflicts the filter selects, oldest first (a bulk decision's). */
export const conflictsOldestFirst = (db: Db, filter: ConflictFilter, take: number) =>
  db.conflict.findMany({ where: conflictWhere(filter), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take });

/** Counts of the conflicts in a status, grouped by kind, field or (first-side) connection; null keys left out. */
export async function conflictCountsBy(
  db: Db,
  by: 'kind' | 'field' | 'connectionId',
  status: string,
): Promise<Record<string, number>> {
  const rows = await db.conflict.groupBy({ by: [by], where: { status }, _count: { _all: true } });
  const out: Record<string, number> = {};
  for (const r of rows) {
    const k = (r as { kind?: string | null; field?: string | null; connectionId?: string | null })[by] ?? null;
    if (k !== null) out[k] = r._count._all;
  }
  return out;
}

/** The open duplicate-in-provider reports about these people (a reconcile revisit weighs them). */
export const openDuplicateReports = (db: SqlDb, canonicalIds: string[]) =>
  db.$queryRaw<Conflict[]>`
    SELECT * FROM conflicts
    WHERE kind = 'duplicate-in-provider' AND status = 'open' AND "canonicalId" = ANY(${canonicalIds}::uuid[])`;

/** Inserts conflicts and report entries; one already there (same `dedupeKey`) is left as it is. */
export async function addConflicts(db: Db, rows: NewConflict[]): Promise<void> {
  await db.conflict.createMany({ data: rows, skipDuplicates: true });
}

/** Closes a conflict with an admin's decision (`resolved` or `dismissed`); returns the row. */
export async function closeConflict(
  db: SqlDb,
  id: string,
  close: { status: 'resolved' | 'dismissed'; resolution: unknown; at: Date },
): Promise<Conflict> {
  const [row] = await db.$queryRaw<Conflict[]>`
    UPDATE conflicts SET status = ${close.status}, resolution = ${jsonParam(close.resolution ?? null)}::jsonb,
      "resolvedAt" = ${close.at}
    WHERE id = ${id}::uuid RETURNING *`;
  if (!row) throw new Error(`conflict ${id} does not exist`);
  return row;
}

/** What still waits for a decision about one person is about another now (a merge folded them in). */
export async function moveOpenConflicts(db: Db, fromId: string, toId: string): Promise<void> {
  await db.conflict.updateMany({ where: { canonicalId: fromId, status: 'open' }, data: { canonicalId: toId } });
}

/** A person's open conflicts and report entries, newest first (at most 100). */
export const openConflictsOf = (db: Db, canonicalId: string) =>
  db.conflict.findMany({
    where: { canonicalId, status: { in: ['open', 'info'] } },
    orderBy: { createdAt: 'desc' },
    take: 100,
  });

/** The status of a conflict and of a held change set by one id (a decision is either). */
export const decisionStatuses = (db: Db, id: string) =>
  Promise.all([
    db.conflict.findUnique({ where: { id }, select: { status: true } }),
    db.heldChangeSet.findUnique({ where: { id }, select: { status: true } }),
  ]);

/** Every conflict and report entry about a person, whatever its status. */
export const conflictsOfPerson = (db: Db, canonicalId: string) => db.conflict.findMany({ where: { canonicalId } });
