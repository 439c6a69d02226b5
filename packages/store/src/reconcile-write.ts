import type { Db } from './client.ts';
import { jsonParam } from './json.ts';
import { appendLedger, type LedgerWrite } from './ledger.ts';
import { countReconcileWrite } from './reconcile-lock.ts';
import { INDEX_SCAN_PAGE_COST, type SqlDb } from './sql-lane.ts';

interface CanonicalWrite {
  id: string;
  data: unknown;
  contentHash: string;
  deleted: boolean;
}
interface KeyWrite {
  canonicalId: string;
  kind: 'email' | 'phone';
  value: string;
}
interface LinkWrite {
  connectionId: string;
  externalId: string;
  canonicalId: string;
  base: unknown;
  baseHash: string | null;
  extras: Record<string, unknown>;
}
export interface ConflictWrite {
  dedupeKey: string;
  kind: string;
  canonicalId: string | null;
  connectionId: string | null;
  field: string | null;
  base: unknown;
  sides: unknown;
  chosen: unknown;
  rule: string;
  status: string;
  runId: string | null;
}
interface OpWrite {
  idempotencyKey: string;
  connectionId: string;
  canonicalId: string;
  kind: 'create' | 'update' | 'delete';
  externalId: string | null;
  target: unknown;
  baseAfter: unknown;
  changed: string[];
  runId: string | null;
}

/**
 * For the rest of a reconcile batch's transaction, plans its lookups as index probes. A batch
 * asks for a few hundred people by id (`IN (...)` lists, unnest joins) in tables of 10^4-10^5
 * rows held in memory; with the default random_page_cost (4, spinning disks) Postgres prefers a
 * sequential scan of the whole table per lookup (canonical_keys, 100,000 rows, 500 owners:
 * 8 ms scanning vs 1.5 ms probing), so each batch cost grew with the store.
 */
export async function preferIndexScans(tx: Db): Promise<void> {
  await tx.$queryRaw`SELECT set_config('random_page_cost', ${INDEX_SCAN_PAGE_COST}, true)`;
}

/** Everything one reconcile batch decided, written in one transaction. */
export interface ReconcileWrite {
  canonicals: CanonicalWrite[];
  /** Complete key sets of the canonicals listed here (replaced, not merged). */
  keys: KeyWrite[];
  keyOwners: string[];
  links: LinkWrite[];
  unlinks: { connectionId: string; externalId: string }[];
  /** Never re-create these people in these connections. */
  detach: { canonicalId: string; connectionId: string }[];
  conflicts: ConflictWrite[];
  ops: OpWrite[];
  /**
   * Canonicals to revisit (once their unfinished ops complete, or once the pass has linked all
   * their records); and ones done with. `runId`: what the revisit's ops count under.
   */
  recheck: { canonicalId: string; value: boolean; runId?: string | null }[];
  /** The change ledger's rows for the canonical changes above (appended, never deduplicated). */
  ledger: LedgerWrite[];
}

/** What enqueueing an outbox row needs (its job id and queue), as the insert returned it. */
export interface WrittenOp {
  id: string;
  connectionId: string;
  kind: string;
  idempotencyKey: string;
  generation: number;
}

/** A batch that writes nothing yet: planners add to it. */
export const emptyReconcileWrite = (): ReconcileWrite => ({
  canonicals: [],
  keys: [],
  keyOwners: [],
  links: [],
  unlinks: [],
  detach: [],
  conflicts: [],
  ops: [],
  recheck: [],
  ledger: [],
});

/** Applies a batch; returns the outbox rows it inserted or re-armed (to enqueue after commit). */
export async function writeReconcileBatch(
  tx: SqlDb,
  batch: ReconcileWrite,
): Promise<{
  opIds: string[];
  ops: WrittenOp[];
  /** It changed what batches read of people (and took a number). */
  counted: boolean;
}> {
  // One statement may not touch a row twice: the last word on a row wins.
  const w: ReconcileWrite = {
    ...batch,
    canonicals: lastBy(batch.canonicals, (c) => c.id),
    links: lastBy(batch.links, (l) => `${l.connectionId}\u0000${l.externalId}`),
    conflicts: lastBy(batch.conflicts, (c) => c.dedupeKey),
    ops: lastBy(batch.ops, (o) => o.idempotencyKey),
    recheck: lastBy(batch.recheck, (r) => r.canonicalId),
  };
  if (w.canonicals.length > 0) {
    // A person stored here and flagged for a revisit in the same batch (everyone an initial sync
    // matches) is inserted flagged: the flag's statement below then finds nothing to change, where
    // it rewrote each new row (a second version of every canonical record, its indexes included).
    // A row updated here takes the flag with its update; one cleared is cleared below, as before.
    const flagged = new Set(w.recheck.filter((r) => r.value).map((r) => r.canonicalId));
    const rows = w.canonicals.map((c) => ({ ...c, recheck: flagged.has(c.id) }));
    await tx.$executeRaw`
      INSERT INTO canonical_contacts (id, data, "contentHash", "deletedAt", "updatedAt", recheck)
      SELECT r.id, r.data, r."contentHash", CASE WHEN r.deleted THEN now() END, now(), r.recheck
      FROM jsonb_to_recordset(${jsonParam(rows)}::jsonb)
        AS r(id uuid, data jsonb, "contentHash" text, deleted boolean, recheck boolean)
      ON CONFLICT (id) DO UPDATE SET
        data = EXCLUDED.data, "contentHash" = EXCLUDED."contentHash", "deletedAt" = EXCLUDED."deletedAt",
        "updatedAt" = now(), version = canonical_contacts.version + 1,
        recheck = canonical_contacts.recheck OR EXCLUDED.recheck
      WHERE canonical_contacts."contentHash" IS DISTINCT FROM EXCLUDED."contentHash"
         OR canonical_contacts."deletedAt" IS DISTINCT FROM EXCLUDED."deletedAt"`;
  }
  if (w.keyOwners.length > 0 || w.keys.length > 0) {
    // The owners' key sets become exactly the ones listed, touching only the keys that differ
    // (a revisit that changes nothing rewrites nothing).
    await tx.$executeRaw`
      WITH r AS (
        SELECT * FROM jsonb_to_recordset(${jsonParam(w.keys)}::jsonb) AS r(kind text, value text, "canonicalId" uuid)),
      stale AS (
        DELETE FROM canonical_keys k USING unnest(${w.keyOwners}::uuid[]) AS o(id) WHERE k."canonicalId" = o.id
          AND NOT EXISTS (SELECT 1 FROM r WHERE r."canonicalId" = k."canonicalId" AND r.kind = k.kind AND r.value = k.value)
        RETURNING 1)
      INSERT INTO canonical_keys (kind, value, "canonicalId")
      SELECT r.kind, r.value, r."canonicalId" FROM r
      ON CONFLICT DO NOTHING`;
  }
  if (w.unlinks.length > 0) {
    await tx.$executeRaw`
      DELETE FROM links l USING unnest(${w.unlinks.map((u) => u.connectionId)}::text[], ${w.unlinks.map((u) => u.externalId)}::text[]) AS k(c, e)
      WHERE l."connectionId" = k.c AND l."externalId" = k.e`;
  }
  if (w.links.length > 0) {
    await tx.$executeRaw`
      INSERT INTO links (id, "connectionId", "externalId", "canonicalId", base, "baseHash", extras, "updatedAt")
      SELECT gen_random_uuid(), r."connectionId", r."externalId", r."canonicalId", r.base, r."baseHash", r.extras, now()
      FROM jsonb_to_recordset(${jsonParam(w.links)}::jsonb)
        AS r("connectionId" text, "externalId" text, "canonicalId" uuid, base jsonb, "baseHash" text, extras jsonb)
      ON CONFLICT ("connectionId", "externalId") DO UPDATE SET
        "canonicalId" = EXCLUDED."canonicalId", base = EXCLUDED.base, "baseHash" = EXCLUDED."baseHash",
        extras = EXCLUDED.extras, "updatedAt" = now()`;
  }
  if (w.detach.length > 0) {
    await tx.$executeRaw`
      INSERT INTO detachments ("canonicalId", "connectionId")
      SELECT r."canonicalId", r."connectionId" FROM jsonb_to_recordset(${jsonParam(w.detach)}::jsonb) AS r("canonicalId" uuid, "connectionId" text)
      ON CONFLICT DO NOTHING`;
  }
  if (w.conflicts.length > 0) {
    await tx.$executeRaw`
      INSERT INTO conflicts (id, "dedupeKey", kind, "canonicalId", "connectionId", field, base, sides, chosen, rule, status, "runId")
      SELECT gen_random_uuid(), r."dedupeKey", r.kind, r."canonicalId", r."connectionId", r.field, r.base, r.sides, r.chosen,
             r.rule, r.status, r."runId"
      FROM jsonb_to_recordset(${jsonParam(w.conflicts)}::jsonb) AS r("dedupeKey" text, kind text, "canonicalId" uuid,
        "connectionId" text, field text, base jsonb, sides jsonb, chosen jsonb, rule text, status text, "runId" uuid)
      ON CONFLICT ("dedupeKey") DO NOTHING`;
  }
  if (w.recheck.length > 0) {
    // A person flagged now is also due once: its ops may all end before this commits.
    await tx.$executeRaw`
      WITH r AS (SELECT * FROM jsonb_to_recordset(${jsonParam(w.recheck)}::jsonb) AS r("canonicalId" uuid, value boolean, "runId" uuid)),
      flag AS (
        UPDATE canonical_contacts c SET recheck = r.value FROM r
        WHERE c.id = r."canonicalId" AND c.recheck IS DISTINCT FROM r.value RETURNING 1)
      INSERT INTO recheck_due ("canonicalId", "runId") SELECT r."canonicalId", r."runId" FROM r WHERE r.value`;
  }
  await appendLedger(tx, w.ledger);
  let ops: WrittenOp[] = [];
  if (w.ops.length > 0) {
    ops = await tx.$queryRaw<WrittenOp[]>`
      INSERT INTO outbox_ops (id, "idempotencyKey", "connectionId", "canonicalId", kind, "externalId", target, "baseAfter", changed, "runId", "updatedAt")
      SELECT gen_random_uuid(), r."idempotencyKey", r."connectionId", r."canonicalId", r.kind, r."externalId", r.target, r."baseAfter",
             ARRAY(SELECT jsonb_array_elements_text(r.changed)), r."runId", now()
      FROM jsonb_to_recordset(${jsonParam(w.ops)}::jsonb) AS r("idempotencyKey" text, "connectionId" text, "canonicalId" uuid,
        kind text, "externalId" text, target jsonb, "baseAfter" jsonb, changed jsonb, "runId" uuid)
      ON CONFLICT ("idempotencyKey") DO UPDATE SET
        status = 'pending', attempts = 0, "lastError" = NULL, "completedAt" = NULL, "runId" = EXCLUDED."runId",
        "externalId" = EXCLUDED."externalId", target = EXCLUDED.target, "baseAfter" = EXCLUDED."baseAfter", changed = EXCLUDED.changed, generation = outbox_ops.generation + 1, "updatedAt" = now()
      -- the same target needed again after it was reached once (a value that came back): re-arm it,
      -- with what this write changes (the provider now differs in other fields than the first time);
      -- an op still pending, in flight or failed is left as it is.
      WHERE outbox_ops.status IN ('done', 'superseded')
      RETURNING id, "connectionId", kind, "idempotencyKey", generation`;
  }
  // What the next batch reads of people changed: a batch read ahead of its turn is read again.
  const counted = changesPeople(w);
  if (counted) await countReconcileWrite(tx);
  return { opIds: ops.map((o) => o.id), ops, counted };
}

/** Whether a batch writes anything a reconcile batch reads of its people (conflicts and the ledger are not read). */
const changesPeople = (w: ReconcileWrite): boolean =>
  w.canonicals.length > 0 ||
  w.keys.length > 0 ||
  w.keyOwners.length > 0 ||
  w.unlinks.length > 0 ||
  w.links.length > 0 ||
  w.detach.length > 0 ||
  w.recheck.length > 0 ||
  w.ops.length > 0;

function lastBy<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) m.set(key(it), it);
  return m.size === items.length ? items : [...m.values()];
}
