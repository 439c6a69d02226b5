import { massDeleteGuard, sha256 } from '@contact-sync/core';
import { type Config, ConfigError, parseConfig } from '@contact-sync/engine/config';
import { enqueueOps, type Resources } from '@contact-sync/engine/resources';
import {
  adoptUnlistedLinks,
  countVanished,
  createRun,
  type Db,
  dbNow,
  findPlan,
  holdVanished,
  ingestPage,
  insertPlan,
  markPlanApplied,
  markPlanStale,
  markQuarantinedSeen,
  markVanishedGone,
  quarantine,
  recordPullCompleted,
  resolveReturnedHolds,
  setRunStatus,
  takeSeqWriteLock,
  type WrittenOp,
  withTransaction,
} from '@contact-sync/store';
import { AdminOpError } from '../admin/views.ts';
import { reconcileInTransaction } from './pass.ts';
import type { ApplyPlanView, PlanBody, PlanRequest, PlanView } from './plan-view.ts';
import { connectorsFor, type PulledConnection, pullInMemory, snapshotHash } from './pull-in-memory.ts';
import { type PlanReadBack, readBack } from './read-back.ts';

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
  body: PlanReadBack;
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
  const row = await findPlan(res.prisma, id);
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
    await markPlanStale(res.prisma, id);
    return { applied: false, reason, plan: await storePlan(res, scope, pulled, outcome) };
  }
  await markPlanApplied(res.prisma, id);
  if (outcome.enqueue.length > 0) await enqueueOps(res, outcome.enqueue);
  return {
    applied: true,
    plan: await getPlan(res, id),
    opsEnqueued: outcome.enqueue.length,
    held: body.ops.filter((o) => o.held).length,
  };
}

export async function getPlan(res: Resources, id: string): Promise<PlanView> {
  const row = await findPlan(res.prisma, id);
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
  const id = await insertPlan(res.prisma, {
    snapshotHash: body.snapshotHash,
    connectionIds: scope.connectionIds,
    full: scope.full,
    body,
  });
  return getPlan(res, id);
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
    return await withTransaction(
      res.prisma,
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
  await recordPullCompleted(tx, p.connectionId, run.id, scope.full);
  await setRunStatus(tx, run.id, 'completed');
  return { pulled: p.records.length, quarantined: invalid.length, heldDeletes };
}
