import type { Db, PrismaClient } from './client.ts';
import type { OutboxOp } from './generated/prisma/client.ts';
import { jsonParam, toJson } from './json.ts';
import { bumpRun } from './runs.ts';
import type { SqlDb } from './sql-lane.ts';

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
 * A claimed op, with whether its person already has a record linked in the op's connection,
 * and whether a pull of that connection is running (a create then looks before it writes).
 */
export type ClaimedOp = OutboxOp & { linked: boolean; pulling: boolean };

/**
 * Claims an op for a push attempt: only a pending or in-flight op (in flight = a previous
 * attempt died or its outcome is unknown) can be claimed. Returns null when the op is finished.
 * One round trip: the claim also says whether the person is already linked in that connection.
 */
export async function claimOp(
  db: Db,
  id: string,
  claim: { generation?: number | undefined; workerId?: number | undefined } = {},
): Promise<ClaimedOp | null> {
  const rows = await db.$queryRaw<ClaimedOp[]>`
    WITH c AS (
      UPDATE outbox_ops SET status = 'in_flight', attempts = attempts + 1, "claimedBy" = ${claim.workerId ?? null}::int,
        "updatedAt" = now()
      WHERE id = ${id}::uuid AND status IN ('pending', 'in_flight')
        AND (${claim.generation ?? null}::int IS NULL OR generation = ${claim.generation ?? null}::int)
      RETURNING *)
    SELECT c.*, EXISTS (
      SELECT 1 FROM links l WHERE l."connectionId" = c."connectionId" AND l."canonicalId" = c."canonicalId") AS linked,
      EXISTS (
        SELECT 1 FROM sync_runs r WHERE r.kind = 'pull' AND r."connectionId" = c."connectionId" AND r.status = 'running') AS pulling
    FROM c`;
  return rows[0] ?? null;
}

/** The link a successful push leaves: its base becomes what the provider now holds. */
export interface PushedLink {
  connectionId: string;
  externalId: string;
  canonicalId: string;
  base: unknown;
  baseHash: string;
  extras: Record<string, unknown>;
}

/**
 * Ends a successful push in one statement (atomic on its own): the link upsert (or the
 * link's removal, after a delete) and the op's end commit together.
 */
export async function finishPush(
  db: Db,
  opId: string,
  change: { upsert: PushedLink } | { unlink: { connectionId: string; externalId: string } },
  note?: string,
): Promise<void> {
  // Postgres's clock: a link's updatedAt is compared with when a pull requested its page.
  if ('upsert' in change) {
    const l = change.upsert;
    await db.$executeRaw`
      WITH link AS (
        INSERT INTO links (id, "connectionId", "externalId", "canonicalId", base, "baseHash", extras, "updatedAt")
        VALUES (gen_random_uuid(), ${l.connectionId}, ${l.externalId}, ${l.canonicalId}::uuid, ${jsonParam(l.base)}::jsonb,
                ${l.baseHash}, ${jsonParam(l.extras)}::jsonb, now())
        ON CONFLICT ("connectionId", "externalId") DO UPDATE SET
          "canonicalId" = EXCLUDED."canonicalId", base = EXCLUDED.base, "baseHash" = EXCLUDED."baseHash",
          extras = EXCLUDED.extras, "updatedAt" = EXCLUDED."updatedAt"
        RETURNING 1)
      UPDATE outbox_ops SET status = 'done', "completedAt" = now(), "lastError" = ${note ?? null}, "updatedAt" = now()
      WHERE id = ${opId}::uuid`;
  } else {
    const u = change.unlink;
    // The engine deleted the record: its snapshot is gone too, so the next full pull does not count
    // it as vanished (nor hold it). No change number: nothing is left for the reconciler to do.
    await db.$executeRaw`
      WITH gone AS (
        DELETE FROM links WHERE "connectionId" = ${u.connectionId} AND "externalId" = ${u.externalId} RETURNING 1),
      snap AS (
        UPDATE snapshot_records SET "goneAt" = now()
        WHERE "connectionId" = ${u.connectionId} AND "externalId" = ${u.externalId} AND "goneAt" IS NULL RETURNING 1)
      UPDATE outbox_ops SET status = 'done', "completedAt" = now(), "lastError" = ${note ?? null}, "updatedAt" = now()
      WHERE id = ${opId}::uuid`;
  }
}

/** Counter rows per run: concurrent pushes add to different rows (see `RunOpCount`). */
const OP_COUNT_SHARDS = 16;

/**
 * After an op's end committed: adds to its run's counters and, when its person waits for a
 * revisit (`recheck`), marks the person due (`recheck_due`), in one statement; true when
 * marked. After the commit on purpose: a reconcile that flagged the person before it is
 * seen here, and one that flags it later marks it due itself and finds the op finished.
 */
export async function afterOpEnded(
  db: Db,
  op: { canonicalId: string; runId: string | null },
  counts: { opsApplied?: number; opsFailed?: number },
): Promise<boolean> {
  const applied = counts.opsApplied ?? 0;
  const failed = counts.opsFailed ?? 0;
  const rows =
    op.runId && (applied || failed)
      ? await db.$queryRaw<unknown[]>`
          WITH bump AS (
            INSERT INTO run_op_counts ("runId", shard, "opsApplied", "opsFailed")
            VALUES (${op.runId}::uuid, ${Math.floor(Math.random() * OP_COUNT_SHARDS)}::int, ${applied}::int, ${failed}::int)
            ON CONFLICT ("runId", shard) DO UPDATE SET
              "opsApplied" = run_op_counts."opsApplied" + EXCLUDED."opsApplied",
              "opsFailed" = run_op_counts."opsFailed" + EXCLUDED."opsFailed"
            RETURNING 1)
          INSERT INTO recheck_due ("canonicalId")
          SELECT id FROM canonical_contacts WHERE id = ${op.canonicalId}::uuid AND recheck
          RETURNING 1`
      : await db.$queryRaw<unknown[]>`
          INSERT INTO recheck_due ("canonicalId")
          SELECT id FROM canonical_contacts WHERE id = ${op.canonicalId}::uuid AND recheck
          RETURNING 1`;
  return rows.length > 0;
}

/**
 * When a push ended in an unknown state: if the op is no longer in flight and its person
 * waits for a revisit, marks the person due; true when marked.
 */
export async function markDueIfEnded(db: Db, opId: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    INSERT INTO recheck_due ("canonicalId")
    SELECT c.id FROM outbox_ops o JOIN canonical_contacts c ON c.id = o."canonicalId"
    WHERE o.id = ${opId}::uuid AND o.status <> 'in_flight' AND c.recheck
    RETURNING 1`;
  return rows.length > 0;
}

/**
 * A provider refused the op for good: the op fails with the provider's words, and the refusal
 * becomes a `rejected-write` report entry (once per op generation), counted on the op's run.
 */
export async function rejectOp(
  db: PrismaClient,
  op: ClaimedOp,
  refusal: { error: string; message: string; field: string | null },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await failOp(tx, op.id, refusal.error);
    await tx.conflict.upsert({
      where: { dedupeKey: `rejected:${op.id}:${op.generation}` },
      create: {
        dedupeKey: `rejected:${op.id}:${op.generation}`,
        kind: 'rejected-write',
        canonicalId: op.canonicalId,
        connectionId: op.connectionId,
        field: refusal.field,
        sides: toJson([{ connectionId: op.connectionId, externalId: op.externalId, value: op.target }]),
        chosen: toJson(op.target ?? null),
        rule: `${op.connectionId} refused the ${op.kind}: ${refusal.message}`,
        status: 'open',
        runId: op.runId,
      },
      update: {},
    });
    if (op.runId) await bumpRun(tx, op.runId, { opsFailed: 1, conflicts: 1 });
  });
}

async function failOp(db: Db, id: string, error: string): Promise<void> {
  await db.$executeRaw`
    UPDATE outbox_ops SET status = 'failed', "lastError" = ${error}, "completedAt" = now(), "updatedAt" = now()
    WHERE id = ${id}::uuid`;
}

/** Puts failed ops back to pending (admin retry); returns them for enqueueing. */
export async function retryFailedOps(db: Db, ids: string[]): Promise<OutboxOp[]> {
  if (ids.length === 0) return [];
  return db.$queryRaw<OutboxOp[]>`
    UPDATE outbox_ops SET status = 'pending', attempts = 0, "httpFailures" = 0, generation = generation + 1, "completedAt" = NULL, "updatedAt" = now()
    WHERE id = ANY(${ids}::uuid[]) AND status = 'failed'
    RETURNING *`;
}

/** People flagged for a revisit (their planning waits on an unfinished op). */
export const countRecheck = (db: Db): Promise<number> => db.canonicalContact.count({ where: { recheck: true } });

export async function countOps(db: Db, where: { runId?: string; status?: OpStatus[] } = {}): Promise<number> {
  return db.outboxOp.count({
    where: {
      ...(where.runId ? { runId: where.runId } : {}),
      ...(where.status ? { status: { in: where.status } } : {}),
    },
  });
}

/** Adds one push attempt's HTTP requests (and failed ones) to the op's counts. */
export async function countOpRequests(db: SqlDb, id: string, sent: number, failed: number): Promise<void> {
  if (sent === 0 && failed === 0) return;
  await db.$executeRaw`
    UPDATE outbox_ops SET "httpAttempts" = "httpAttempts" + ${sent}::int, "httpFailures" = "httpFailures" + ${failed}::int
    WHERE id = ${id}::uuid`;
}
