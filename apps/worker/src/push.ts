import { NotFoundError, PermanentError, TransientError } from '@contact-sync/connectors';
import { contentHash, type Projection } from '@contact-sync/core';
import {
  bumpRun,
  claimOp,
  committedMaxSeq,
  deleteLink,
  failOp,
  findLink,
  finishOp,
  markGone,
  noteOpError,
  type OutboxOp,
  toJson,
  upsertLinkAfterPush,
  withSeqWrite,
} from '@contact-sync/store';
import { UnrecoverableError } from 'bullmq';
import { connectionOf, enqueueReconcile, type Resources, requestRecheck } from './resources.ts';

export type PushOutcome = 'done' | 'adopted' | 'superseded' | 'gone' | 'finished-before';

/**
 * Applies one outbox op. Every step is safe to repeat after a crash: the op is claimed
 * (pending or in flight), a create whose earlier attempt may have landed first looks for
 * the record by natural key and adopts it, and the link base becomes what the provider
 * now holds only after the provider answered.
 */
export async function runPush(res: Resources, opId: string, isFinalAttempt: boolean): Promise<PushOutcome> {
  const op = await claimOp(res.prisma, opId);
  if (!op) return 'finished-before';
  const log = res.logger.child({ connectionId: op.connectionId, opId: op.id, kind: op.kind, runId: op.runId });
  try {
    return await attempt(res, op, isFinalAttempt, log);
  } finally {
    await afterPush(res, op);
  }
}

async function attempt(
  res: Resources,
  op: OutboxOp,
  isFinalAttempt: boolean,
  log: Resources['logger'],
): Promise<PushOutcome> {
  try {
    const outcome = await apply(res, op);
    if (op.runId) await bumpRun(res.prisma, op.runId, { opsApplied: 1 });
    log.debug({ outcome }, 'op applied');
    return outcome;
  } catch (err) {
    if (err instanceof PermanentError) {
      await rejectOp(res, op, err);
      log.warn({ status: err.status, field: err.field, err: err.message }, 'op rejected by provider');
      throw new UnrecoverableError(err.message);
    }
    const message = err instanceof Error ? err.message : String(err);
    if (isFinalAttempt) {
      await failOp(res.prisma, op.id, message);
      if (op.runId) await bumpRun(res.prisma, op.runId, { opsFailed: 1 });
      log.error({ err: message }, 'op failed after its last attempt');
    } else {
      await noteOpError(res.prisma, op.id, message);
      log.info({ err: message, transient: err instanceof TransientError }, 'op attempt failed; will retry');
    }
    throw err;
  }
}

async function apply(res: Resources, op: OutboxOp): Promise<PushOutcome> {
  const { connector } = connectionOf(res, op.connectionId);
  const target = (op.target ?? {}) as Projection;
  switch (op.kind) {
    case 'create': {
      if (await findLink(res.prisma, op.connectionId, op.canonicalId)) {
        await finishOp(res.prisma, op.id, 'superseded', 'already linked (found by a pull or an earlier attempt)');
        return 'superseded';
      }
      // Look before creating. On a retry, a previous attempt may have created the record and
      // lost the answer (timeout, ghost write, crash): adopt it, it holds what we asked for.
      // On a first attempt, a record found was there already (it appeared after the last
      // pull, or the plan was made before that provider's pull): do not create a second
      // one and do not guess its base; the next pull links it like any matched record.
      // A first attempt looks only where the provider answers a search: where a lookup
      // streams the whole list, looking before every create makes an initial sync quadratic
      // in calls (bench: ChurchPad creates fell to ~70/min at 10,000 people).
      const look = op.attempts > 1 || connector.naturalKeyLookup === 'search';
      const found = look ? await connector.findByNaturalKey(target) : null;
      if (found && op.attempts <= 1) {
        await finishOp(
          res.prisma,
          op.id,
          'superseded',
          `a record with the same natural key exists (${found.externalId}); the next pull of ${op.connectionId} links it`,
        );
        return 'superseded';
      }
      const adopted = found;
      const record = adopted ?? (await connector.create(target));
      await res.prisma.$transaction(async (tx) => {
        await upsertLinkAfterPush(tx, {
          connectionId: op.connectionId,
          externalId: record.externalId,
          canonicalId: op.canonicalId,
          base: baseAfter(op, record.projection),
          baseHash: contentHash(baseAfter(op, record.projection)),
          extras: record.extras,
        });
        await finishOp(tx, op.id, 'done', adopted ? 'adopted a record an earlier attempt created' : undefined);
      });
      return adopted ? 'adopted' : 'done';
    }
    case 'update': {
      const externalId = op.externalId!;
      try {
        const record = await connector.update(externalId, target, op.changed as never);
        await res.prisma.$transaction(async (tx) => {
          await upsertLinkAfterPush(tx, {
            connectionId: op.connectionId,
            externalId,
            canonicalId: op.canonicalId,
            base: baseAfter(op, record.projection),
            baseHash: contentHash(baseAfter(op, record.projection)),
            extras: record.extras,
          });
          await finishOp(tx, op.id, 'done');
        });
        return 'done';
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        // Deleted on that side meanwhile: record it as a delete there; the reconciler decides.
        await withSeqWrite(res.prisma, (tx) => markGone(tx, op.connectionId, [externalId]));
        await finishOp(res.prisma, op.id, 'superseded', 'record no longer exists at the provider');
        await enqueueReconcile(res, await committedMaxSeq(res.prisma), `gone:${op.connectionId}`);
        return 'gone';
      }
    }
    case 'delete': {
      const externalId = op.externalId!;
      await connector.delete(externalId);
      await res.prisma.$transaction(async (tx) => {
        await deleteLink(tx, op.connectionId, externalId);
        await finishOp(tx, op.id, 'done');
      });
      return 'done';
    }
    default:
      throw new Error(`unknown op kind "${op.kind}"`);
  }
}

/** The base the planner asked for (held cells keep their old base); the provider's answer otherwise. */
const baseAfter = (op: OutboxOp, answered: Projection): Projection => (op.baseAfter ?? answered) as Projection;

/** A person whose planning waited behind this op is revisited once its ops are all finished. */
async function afterPush(res: Resources, op: OutboxOp): Promise<void> {
  const row = await res.prisma.canonicalContact.findUnique({
    where: { id: op.canonicalId },
    select: { recheck: true },
  });
  const status = (await res.prisma.outboxOp.findUnique({ where: { id: op.id }, select: { status: true } }))?.status;
  if (row?.recheck && status !== 'in_flight') {
    await requestRecheck(res);
  }
}

/** A permanent refusal ends the op and becomes a report entry with the provider's message. */
async function rejectOp(res: Resources, op: OutboxOp, err: PermanentError): Promise<void> {
  await res.prisma.$transaction(async (tx) => {
    await failOp(tx, op.id, `${err.status ?? ''} ${err.message}`.trim());
    await tx.conflict.upsert({
      where: { dedupeKey: `rejected:${op.id}:${op.generation}` },
      create: {
        dedupeKey: `rejected:${op.id}:${op.generation}`,
        kind: 'rejected-write',
        canonicalId: op.canonicalId,
        connectionId: op.connectionId,
        field: err.field,
        sides: toJson([{ connectionId: op.connectionId, externalId: op.externalId, value: op.target }]),
        chosen: toJson(op.target ?? null),
        rule: `${op.connectionId} refused the ${op.kind}: ${err.message}`,
        status: 'open',
        runId: op.runId,
      },
      update: {},
    });
    if (op.runId) await bumpRun(tx, op.runId, { opsFailed: 1, conflicts: 1 });
  });
}
