import type { Db } from './client.ts';
import { jsonParam } from './json.ts';

/** Stored plans (`contact-sync plan` / `apply`) and what a plan's rolled-back transaction wrote. */

export const findPlan = (db: Db, id: string) => db.plan.findUnique({ where: { id } });

export async function insertPlan(
  db: Db,
  p: { snapshotHash: string; connectionIds: string[]; full: boolean; body: unknown },
): Promise<string> {
  const [row] = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO plans (id, "snapshotHash", "connectionIds", "full", body, status)
    VALUES (gen_random_uuid(), ${p.snapshotHash}, ${p.connectionIds}::text[], ${p.full}, ${jsonParam(p.body)}::jsonb, 'planned')
    RETURNING id`;
  return row!.id;
}

/** A plan that can no longer be applied as made; only a still-planned one moves. */
export async function markPlanStale(db: Db, id: string): Promise<void> {
  await db.plan.updateMany({ where: { id, status: 'planned' }, data: { status: 'stale' } });
}

export async function markPlanApplied(db: Db, id: string): Promise<void> {
  await db.$executeRaw`UPDATE plans SET status = 'applied', "appliedAt" = now() WHERE id = ${id}::uuid`;
}

export interface WrittenOpRow {
  connectionId: string;
  kind: 'create' | 'update' | 'delete';
  externalId: string | null;
  canonicalId: string;
  target: Record<string, unknown> | null;
  changed: string[];
  status: string;
  /** What the provider holds now: its snapshot, else the link's base. */
  before: Record<string, unknown> | null;
  person: Record<string, unknown> | null;
}

export interface WrittenConflictRow {
  kind: string;
  field: string | null;
  connectionId: string | null;
  rule: string;
  status: string;
  person: unknown;
}

// Rows whose current version this very transaction wrote (xmin = our transaction id, mod 2^32).
const OURS = `(pg_current_xact_id()::text::bigint % 4294967296)::text`;

/** The pending or held ops, and the open conflicts, the current transaction wrote. */
export async function writtenInThisTransaction(
  tx: Db,
): Promise<{ ops: WrittenOpRow[]; conflicts: WrittenConflictRow[] }> {
  const ops = await tx.$queryRawUnsafe<WrittenOpRow[]>(`
    SELECT o."connectionId", o.kind, o."externalId", o."canonicalId", o.target, o.changed, o.status,
           COALESCE(s.projection, l.base) AS before, c.data AS person
    FROM outbox_ops o
    LEFT JOIN snapshot_records s ON s."connectionId" = o."connectionId" AND s."externalId" = o."externalId"
    LEFT JOIN links l ON l."connectionId" = o."connectionId" AND l."externalId" = o."externalId"
    LEFT JOIN canonical_contacts c ON c.id = o."canonicalId"
    WHERE o.xmin::text = ${OURS} AND o.status IN ('pending', 'held')`);
  const conflicts = await tx.$queryRawUnsafe<WrittenConflictRow[]>(`
    SELECT f.kind, f.field, f."connectionId", f.rule, f.status, c.data AS person
    FROM conflicts f LEFT JOIN canonical_contacts c ON c.id = f."canonicalId"
    WHERE f.xmin::text = ${OURS} AND f.status IN ('open', 'info', 'held')`);
  return { ops, conflicts };
}
