import { massDeleteGuard, sha256 } from '@contact-sync/core';
import {
  adoptUnlistedLinks,
  countVanished,
  createRun,
  type Db,
  dbNow,
  holdVanished,
  ingestPage,
  jsonParam,
  markQuarantinedSeen,
  markVanishedGone,
  quarantine,
  resolveReturnedHolds,
  setRunStatus,
  takeSeqWriteLock,
  type WrittenOp,
} from '@contact-sync/store';
import { AdminOpError } from '../admin/views.ts';
import { type Config, ConfigError, parseConfig } from '../config.ts';
import { enqueueOps, type Resources } from '../resources.ts';
import { reconcileInTransaction } from './pass.ts';
import type { ApplyPlanView, PlanBody, PlanConnectionSummary, PlanOpView, PlanRequest, PlanView } from './plan-view.ts';
import { connectorsFor, type PulledConnection, pullInMemory, snapshotHash } from './pull-in-memory.ts';

export * from './plan-view.ts';

interface Scope {
  config: Config;
  connectionIds: string[];
  full: boolean;
}

/** Thrown inside the plan's transaction to roll it back, carrying what it saw. */
class Rollback extends Error {
  readonly outcome: Outcome;
  constructor(outcome: Outcome) {
    super('plan: rolled back');
    this.outcome = outcome;
  }
}

interface Outcome {
  body: Omit<PlanBody, 'snapshotHash' | 'configHash'>;
  enqueue: WrittenOp[];
}

export const configHash = (config: Config): string => sha256(JSON.stringify(config));

/**
 * `contact-sync plan` / `POST /api/v1/plans`: pulls the connections (reads only) and runs the
 * normal reconcile pass over what they listed inside one transaction that it rolls back; what
 * that pass wrote — outbox ops, conflicts — is read back first and becomes the plan, stored with
 * a hash of what the pulls listed. Nothing outside the `plans` row is written, and no provider
 * write is made.
 */
export async function makePlan(
  res: Resources,
  req: PlanRequest = {},
  /** Where a changed config's credentials come from (default: the process environment). */
  env: NodeJS.ProcessEnv = process.env,
): Promise<PlanView> {
  const scope = scopeOf(res, req);
  const pulled = await pullInMemory(connectorsFor(res, scope.config, env), scope.connectionIds);
  const outcome = await simulate(res, scope, pulled, null);
  return storePlan(res, scope, pulled, outcome);
}

/**
 * `contact-sync apply` / `POST /api/v1/plans/{id}/apply`: pulls again and, if the pulls list
 * exactly what the plan's did under the same config, runs the same pass and commits it only if it
 * yields exactly the plan's ops; those are then enqueued (held ones wait in their change set).
 * Otherwise nothing is written and the answer is a fresh plan (the API's 409).
 */
export async function applyPlan(
  res: Resources,
  id: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<({ applied: true } & ApplyPlanView) | { applied: false; reason: string; plan: PlanView }> {
  const row = await res.prisma.plan.findUnique({ where: { id } });
  if (!row) throw new AdminOpError('not_found', `no plan ${id}`);
  if (row.status !== 'planned') throw new AdminOpError('conflict', `plan ${id} is ${row.status}, not planned`);
  const body = row.body as unknown as PlanBody;
  const scope: Scope = { config: res.config, connectionIds: row.connectionIds, full: row.full };
  for (const c of scope.connectionIds)
    if (!res.config.connections.some((x) => x.id === c))
      throw new AdminOpError('conflict', `plan ${id} pulls ${c}, which the running config does not hold`);
  const pulled = await pullInMemory(connectorsFor(res, scope.config, env), scope.connectionIds);
  const sameConfig = configHash(res.config) === body.configHash;
  const sameSnapshots = snapshotHash(pulled, scope.full) === body.snapshotHash;
  const outcome = await simulate(res, scope, pulled, sameConfig && sameSnapshots ? body.opsHash : null);
  const committed = sameConfig && sameSnapshots && outcome.body.opsHash === body.opsHash;
  if (!committed) {
    const reason = !sameConfig
      ? 'the plan was made under another config'
      : !sameSnapshots
        ? 'the providers hold other data than when the plan was made'
        : 'the engine has changed since the plan was made: it would write other ops';
    await res.prisma.plan.updateMany({ where: { id, status: 'planned' }, data: { status: 'stale' } });
    return { applied: false, reason, plan: await storePlan(res, scope, pulled, outcome) };
  }
  await res.prisma.$executeRaw`UPDATE plans SET status = 'applied', "appliedAt" = now() WHERE id = ${id}::uuid`;
  if (outcome.enqueue.length > 0) await enqueueOps(res, outcome.enqueue);
  return {
    applied: true,
    plan: await getPlan(res, id),
    opsEnqueued: outcome.enqueue.length,
    held: body.ops.filter((o) => o.held).length,
  };
}

export async function getPlan(res: Resources, id: string): Promise<PlanView> {
  const row = await res.prisma.plan.findUnique({ where: { id } });
  if (!row) throw new AdminOpError('not_found', `no plan ${id}`);
  const body = row.body as unknown as PlanBody;
  return {
    id: row.id,
    status: row.status as PlanView['status'],
    createdAt: row.createdAt.toISOString(),
    appliedAt: row.appliedAt?.toISOString() ?? null,
    connectionIds: row.connectionIds,
    full: row.full,
    ...body,
  };
}

function scopeOf(res: Resources, req: PlanRequest): Scope {
  let config = res.config;
  if (req.config !== undefined) {
    try {
      config = parseConfig(req.config, 'config');
    } catch (err) {
      if (err instanceof ConfigError) throw new AdminOpError('invalid', err.message);
      throw err;
    }
  }
  if (req.connectionId && !config.connections.some((c) => c.id === req.connectionId))
    throw new AdminOpError('invalid', `unknown connection "${req.connectionId}"`);
  return {
    config,
    connectionIds: req.connectionId ? [req.connectionId] : config.connections.map((c) => c.id),
    full: req.full ?? false,
  };
}

async function storePlan(res: Resources, scope: Scope, pulled: PulledConnection[], outcome: Outcome) {
  const body: PlanBody = {
    ...outcome.body,
    snapshotHash: snapshotHash(pulled, scope.full),
    configHash: configHash(scope.config),
  };
  const [row] = await res.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO plans (id, "snapshotHash", "connectionIds", "full", body, status)
    VALUES (gen_random_uuid(), ${body.snapshotHash}, ${scope.connectionIds}::text[], ${scope.full}, ${jsonParam(body)}::jsonb, 'planned')
    RETURNING id`;
  return getPlan(res, row!.id);
}

/**
 * Ingests what the pulls listed and runs a reconcile pass, in one transaction; reads back what it
 * wrote. Commits only when `commitIf` is the ops hash it arrives at; else rolls everything back.
 */
async function simulate(
  res: Resources,
  scope: Scope,
  pulled: PulledConnection[],
  commitIf: string | null,
): Promise<Outcome> {
  try {
    return await res.prisma.$transaction(
      async (tx) => {
        await takeSeqWriteLock(tx);
        const perConn = new Map<string, { pulled: number; quarantined: number; heldDeletes: number }>();
        for (const p of pulled) perConn.set(p.connectionId, await ingest(tx, scope, p));
        const enqueue = await reconcileInTransaction(tx, scope.config, await dbNow(tx));
        const body = await readBack(tx, scope, perConn);
        if (commitIf === null || body.opsHash !== commitIf) throw new Rollback({ body, enqueue });
        return { body, enqueue };
      },
      { timeout: 300_000, maxWait: 60_000 },
    );
  } catch (err) {
    if (err instanceof Rollback) return err.outcome;
    throw err;
  }
}

/** What `runPull` writes for one listed connection, inside the plan's transaction. */
async function ingest(tx: Db, scope: Scope, p: PulledConnection) {
  const conn = scope.config.connections.find((c) => c.id === p.connectionId)!;
  const run = await createRun(tx, { kind: 'pull', connectionId: p.connectionId, full: scope.full });
  const ingested = await ingestPage(tx, p.connectionId, run.id, p.records, await dbNow(tx));
  const invalid = [
    ...p.invalid,
    ...ingested.duplicates.map((id) => ({ externalId: id, raw: null, error: `externalId: "${id}" listed twice` })),
  ];
  await quarantine(tx, p.connectionId, run.id, invalid);
  const named = invalid.flatMap((i) => (i.externalId === null ? [] : [i.externalId]));
  await markQuarantinedSeen(tx, p.connectionId, run.id, named);
  let heldDeletes = 0;
  if (scope.full && named.length === invalid.length) {
    await adoptUnlistedLinks(tx, p.connectionId, run.startedAt);
    const { before, vanished, listed } = await countVanished(tx, p.connectionId, run.id, run.startedAt);
    const guard = massDeleteGuard({ total: before, vanished, listed, threshold: conn.massDeleteThreshold });
    if (guard.held) heldDeletes = await holdVanished(tx, p.connectionId, run.id);
    else if (vanished > 0) await markVanishedGone(tx, p.connectionId, run.id);
  }
  await resolveReturnedHolds(tx, p.connectionId, run.id);
  await tx.$executeRaw`UPDATE connections SET "lastPullAt" = now(), "lastPullRunId" = ${run.id}::uuid, "lastError" = NULL,
    "recordCount" = (SELECT count(*) FROM snapshot_records WHERE "connectionId" = ${p.connectionId} AND "goneAt" IS NULL)
    WHERE id = ${p.connectionId}`;
  await setRunStatus(tx, run.id, 'completed');
  return { pulled: p.records.length, quarantined: invalid.length, heldDeletes };
}

interface OpRow {
  connectionId: string;
  kind: 'create' | 'update' | 'delete';
  externalId: string | null;
  canonicalId: string;
  target: Record<string, unknown> | null;
  changed: string[];
  status: string;
  before: Record<string, unknown> | null;
  person: Record<string, unknown> | null;
}

/** The ops and conflicts this transaction wrote (rows whose version it made), as the plan shows them. */
async function readBack(
  tx: Db,
  scope: Scope,
  perConn: Map<string, { pulled: number; quarantined: number; heldDeletes: number }>,
): Promise<Outcome['body']> {
  const ops = await tx.$queryRaw<OpRow[]>`
    SELECT o."connectionId", o.kind, o."externalId", o."canonicalId", o.target, o.changed, o.status,
           COALESCE(s.projection, l.base) AS before, c.data AS person
    FROM outbox_ops o
    LEFT JOIN snapshot_records s ON s."connectionId" = o."connectionId" AND s."externalId" = o."externalId"
    LEFT JOIN links l ON l."connectionId" = o."connectionId" AND l."externalId" = o."externalId"
    LEFT JOIN canonical_contacts c ON c.id = o."canonicalId"
    WHERE o.xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text AND o.status IN ('pending', 'held')`;
  const conflicts = await tx.$queryRaw<
    { kind: string; field: string | null; connectionId: string | null; rule: string; status: string; person: unknown }[]
  >`
    SELECT f.kind, f.field, f."connectionId", f.rule, f.status, c.data AS person
    FROM conflicts f LEFT JOIN canonical_contacts c ON c.id = f."canonicalId"
    WHERE f.xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text AND f.status IN ('open', 'info', 'held')`;
  const records = await tx.$queryRaw<{ connectionId: string; n: bigint }[]>`
    SELECT "connectionId", count(*) AS n FROM snapshot_records WHERE "goneAt" IS NULL GROUP BY "connectionId"`;
  const total = new Map(records.map((r) => [r.connectionId, Number(r.n)]));

  const views: PlanOpView[] = ops.map((o) => {
    const fields =
      o.kind === 'create'
        ? Object.keys(o.target ?? {}).filter((f) => !isEmpty(o.target?.[f]))
        : o.kind === 'delete'
          ? Object.keys(o.before ?? {}).filter((f) => !isEmpty(o.before?.[f]))
          : o.changed;
    return {
      connectionId: o.connectionId,
      kind: o.kind,
      externalId: o.externalId,
      person: nameOf(o.person ?? o.target ?? o.before),
      held: o.status === 'held',
      fields: [...new Set(fields)].sort().map((field) => ({
        field,
        before: o.kind === 'create' ? null : (o.before?.[field] ?? null),
        after: o.kind === 'delete' ? null : (o.target?.[field] ?? null),
      })),
    };
  });
  views.sort((a, b) => opSignature(a).localeCompare(opSignature(b)));

  const connections: PlanConnectionSummary[] = scope.config.connections
    .filter((c) => scope.connectionIds.includes(c.id) || views.some((v) => v.connectionId === c.id))
    .map((c) => {
      const mine = views.filter((v) => v.connectionId === c.id);
      const n = total.get(c.id) ?? 0;
      const share = (k: number) => (n > 0 ? k / n : k > 0 ? 1 : 0);
      const fields: PlanConnectionSummary['fields'] = {};
      for (const v of mine)
        if (v.kind === 'update')
          for (const f of v.fields) fields[f.field] = { changed: (fields[f.field]?.changed ?? 0) + 1, share: 0 };
      for (const f of Object.values(fields)) f.share = share(f.changed);
      const updates = mine.filter((v) => v.kind === 'update').length;
      const deletes = mine.filter((v) => v.kind === 'delete').length;
      const counts = perConn.get(c.id);
      return {
        connectionId: c.id,
        pulled: counts?.pulled ?? 0,
        quarantined: counts?.quarantined ?? 0,
        records: n,
        people: new Set(ops.filter((o) => o.connectionId === c.id).map((o) => o.canonicalId)).size,
        creates: mine.filter((v) => v.kind === 'create').length,
        updates,
        deletes,
        held: mine.filter((v) => v.held).length,
        heldDeletes: counts?.heldDeletes ?? 0,
        share: share(updates + deletes),
        fields,
      };
    });
  return {
    opsHash: sha256(views.map(opSignature).join('\n')),
    summary: { ops: views.length, conflicts: conflicts.length, connections },
    ops: views,
    conflicts: conflicts.map((f) => ({
      kind: f.kind,
      field: f.field,
      connectionId: f.connectionId,
      person: nameOf(f.person as Record<string, unknown> | null),
      rule: f.rule,
      status: f.status,
    })),
  };
}

/** An op by what it writes where (not by ids a re-plan draws anew, such as a new person's). */
const opSignature = (o: PlanOpView): string =>
  JSON.stringify([o.connectionId, o.kind, o.externalId ?? '', o.held, o.fields.map((f) => [f.field, f.after])]);

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

function nameOf(data: Record<string, unknown> | null): string {
  if (!data) return '';
  const display = typeof data.displayName === 'string' ? data.displayName : '';
  if (display) return display;
  return [data.givenName, data.familyName].filter((x) => typeof x === 'string' && x).join(' ');
}
