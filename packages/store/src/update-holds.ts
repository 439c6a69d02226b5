import { jsonParam } from './json.ts';
import type { SqlDb } from './sql-lane.ts';

/**
 * The statements of the blast-radius guard for updates (its decisions are the core's
 * `trippedFields` and the worker's `update-guard.ts`): what it reads to decide, and how it
 * files held ops into held change sets.
 */

const k = (a: string, b: string) => `${a}\u0000${b}`;

/** Of these records, the linked ones with a base (they had agreed with their person): `connectionId\0externalId`. */
export async function agreedRecords(
  db: SqlDb,
  records: { connectionId: string; externalId: string }[],
): Promise<Set<string>> {
  const rows = await db.$queryRaw<{ connectionId: string; externalId: string }[]>`
    SELECT l."connectionId", l."externalId" FROM links l
    JOIN unnest(${records.map((r) => r.connectionId)}::text[], ${records.map((r) => r.externalId)}::text[]) AS u(c, e)
      ON l."connectionId" = u.c AND l."externalId" = u.e
    WHERE l.base IS NOT NULL`;
  return new Set(rows.map((r) => k(r.connectionId, r.externalId)));
}

export interface HeldOpRow {
  setId: string;
  canonicalId: string;
  connectionId: string;
  opId: string;
  key: string;
}

/** These people's ops still held in a held change set. */
export const heldOpsOf = (db: SqlDb, people: string[]) =>
  db.$queryRaw<HeldOpRow[]>`
    SELECT hc."setId", hc."canonicalId", hc."connectionId", hc."opId", o."idempotencyKey" AS key
    FROM held_changes hc JOIN held_change_sets s ON s.id = hc."setId" JOIN outbox_ops o ON o.id = hc."opId"
    WHERE s.status = 'held' AND o.status = 'held' AND hc."canonicalId" = ANY(${people}::uuid[])`;

/** Live (not gone) snapshot records per connection. */
export async function liveRecordCounts(db: SqlDb, connectionIds: string[]): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ connectionId: string; n: bigint }[]>`
    SELECT "connectionId", count(*) AS n FROM snapshot_records
    WHERE "connectionId" = ANY(${connectionIds}::text[]) AND "goneAt" IS NULL GROUP BY "connectionId"`;
  return new Map(rows.map((r) => [r.connectionId, Number(r.n)]));
}

/** The canonical data of these people, by id. */
export async function canonicalDataOf(db: SqlDb, ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db.$queryRaw<{ id: string; data: unknown }[]>`
    SELECT id, data FROM canonical_contacts WHERE id = ANY(${ids}::uuid[])`;
  return new Map(rows.map((r) => [r.id, r.data as Record<string, unknown>]));
}

/** Older held ops a newer held op replaces. */
export async function supersedeHeldOps(db: SqlDb, ids: string[]): Promise<void> {
  await db.$executeRaw`UPDATE outbox_ops SET status = 'superseded', "completedAt" = now(), "lastError" = 'replaced by a newer held op', "updatedAt" = now()
    WHERE id = ANY(${ids}::uuid[]) AND status = 'held'`;
}

/** Ops written by the batch that wait for an admin instead of being enqueued. */
export async function markOpsHeld(db: SqlDb, ids: string[]): Promise<void> {
  await db.$executeRaw`UPDATE outbox_ops SET status = 'held', "updatedAt" = now() WHERE id = ANY(${ids}::uuid[])`;
}

/** A new held change set for these fields (comma-joined), with what tripped the guard. */
export async function createHeldChangeSet(
  db: SqlDb,
  set: { fields: string; runId: string | null; summary: unknown },
): Promise<string> {
  const [row] = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO held_change_sets (id, field, "runId", summary) VALUES (gen_random_uuid(), ${set.fields}, ${set.runId}::uuid, ${jsonParam(set.summary)}::jsonb)
    RETURNING id`;
  return row!.id;
}

export interface HeldChangeInput {
  setId: string;
  opId: string;
  canonicalId: string;
  connectionId: string;
  externalId: string | null;
  field: string;
  before: unknown;
  after: unknown;
}

export async function insertHeldChanges(db: SqlDb, items: HeldChangeInput[]): Promise<void> {
  if (items.length === 0) return;
  await db.$executeRaw`
    INSERT INTO held_changes (id, "setId", "opId", "canonicalId", "connectionId", "externalId", field, before, after)
    SELECT gen_random_uuid(), r."setId", r."opId", r."canonicalId", r."connectionId", r."externalId", r.field, r.before, r.after
    FROM jsonb_to_recordset(${jsonParam(items)}::jsonb) AS r("setId" uuid, "opId" uuid, "canonicalId" uuid, "connectionId" text,
      "externalId" text, field text, before jsonb, after jsonb)`;
}

/** A person's held change in a set now carries a newer op and the person's newer value. */
export async function moveHeldChange(
  db: SqlDb,
  m: { opId: string; canonicalId: string; connectionId: string; setId: string },
  data: Record<string, unknown>,
): Promise<void> {
  await db.$executeRaw`UPDATE held_changes SET "opId" = ${m.opId}::uuid, after = (${jsonParam(data)}::jsonb) -> field
    WHERE "setId" = ${m.setId}::uuid AND "canonicalId" = ${m.canonicalId}::uuid AND "connectionId" = ${m.connectionId}`;
}
