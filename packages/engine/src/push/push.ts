import { NotFoundError, PermanentError, TransientError } from '@contact-sync/connectors';
import { contentHash, type Projection } from '@contact-sync/core';
import {
  afterOpEnded,
  type ClaimedOp,
  claimOp,
  closeFinishedResyncs,
  committedMaxSeq,
  countOpRequests,
  failOp,
  finishOp,
  finishPush,
  markDueIfEnded,
  markGone,
  noteOpError,
  releaseOp,
  rejectOp as storeRejectOp,
  withSeqWrite,
} from '@contact-sync/store';
import { UnrecoverableError } from 'bullmq';
import { BudgetWaitError, isCredentialRejection } from '../budget.ts';
import { connectionOf, enqueueOps, enqueueReconcile, type Resources, requestRecheck } from '../resources.ts';
import { countingOpRequests, OpAttemptsSpentError, type OpRequests, spent } from './op-requests.ts';

export type PushOutcome = 'done' | 'adopted' | 'superseded' | 'gone' | 'finished-before' | 'released';

/**
 * How an attempt ended, for the bookkeeping after it: `applied`/`failed` when the op's end
 * committed (counted under its run after it), `rejected` when a refusal ended it (counted
 * with its conflict entry), `retry` when it stays in flight, `unknown` when an unexpected
 * error left its state unknown (read back from the database).
 */
type Ending = 'applied' | 'failed' | 'rejected' | 'retry' | 'released' | 'unknown';

/**
 * Applies one outbox op. Every step is safe to repeat after a crash: the op is claimed
 * (pending or in flight), a create whose earlier attempt may have landed first looks for
 * the record by natural key and adopts it, and the link base becomes what the provider
 * now holds only after the provider answered.
 *
 * Postgres round trips on the common path: the claim (which also says whether the person is
 * already linked there), one statement ending the op with its link change, and one that
 * counts it under its run and marks its person due for a revisit if they wait for one.
 */
export async function runPush(
  res: Resources,
  opId: string,
  isFinalAttempt: boolean,
  generation?: number,
): Promise<PushOutcome> {
  const op = await claimOp(res.prisma, opId, { generation, workerId: res.workerId });
  if (!op) return 'finished-before';
  const log = res.logger.child({ connectionId: op.connectionId, opId: op.id, kind: op.kind, runId: op.runId });
  const ending: { value: Ending } = { value: 'unknown' };
  const requests = opRequests(res, op);
  try {
    return await countingOpRequests(requests, () => attempt(res, op, isFinalAttempt, log, ending, requests));
  } finally {
    await countOpRequests(res.prisma, op.id, requests.sent, requests.failed).catch((err) =>
      log.warn({ err: (err as Error).message }, 'could not count the op requests'),
    );
    await afterPush(res, op, ending.value);
  }
}

const opRequests = (res: Resources, op: ClaimedOp): OpRequests => ({
  opId: op.id,
  max: res.config.push.maxHttpAttempts,
  failedBefore: op.httpFailures,
  sent: 0,
  failed: 0,
});

async function attempt(
  res: Resources,
  op: ClaimedOp,
  isFinalAttempt: boolean,
  log: Resources['logger'],
  ending: { value: Ending },
  requests: OpRequests,
): Promise<PushOutcome> {
  try {
    // Spent before this attempt (its last one died before failing it, or a lost queue restarted it).
    if (spent(requests)) throw new OpAttemptsSpentError(op.id, requests.max);
    const outcome = await apply(res, op);
    ending.value = 'applied';
    log.debug({ outcome }, 'op applied');
    return outcome;
  } catch (err) {
    if (res.shutdown.signal.aborted) {
      // The worker is stopping and aborted the request: the op goes back to pending for a new
      // job (here, or in the next worker to start); this job ends without a failed attempt.
      const released = await releaseOp(res.prisma, op.id, 'released: its worker stopped during the push');
      if (released) await enqueueOps(res, [released], { first: true }).catch(() => {});
      ending.value = 'released';
      log.info('op released: the worker is stopping');
      return 'released';
    }
    if (isCredentialRejection(err)) {
      // The credential, not the write, was refused: the op waits for the connection to resume.
      await noteOpError(res.prisma, op.id, `credential rejected: ${(err as Error).message}`);
      ending.value = 'retry';
      throw err;
    }
    if (err instanceof PermanentError) {
      await rejectOp(res, op, err);
      ending.value = 'rejected';
      log.warn({ status: err.status, field: err.field, err: err.message }, 'op rejected by provider');
      throw new UnrecoverableError(err.message);
    }
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof BudgetWaitError) {
      // Not an attempt: the op waits in its queue for the rate window (parkOnWait).
      ending.value = 'retry';
      throw err;
    }
    // The op's failed HTTP requests reached their bound: no layer tries again.
    if (isFinalAttempt || err instanceof OpAttemptsSpentError || spent(requests)) {
      await failOp(res.prisma, op.id, message);
      ending.value = 'failed';
      log.error(
        { err: message, httpFailures: requests.failedBefore + requests.failed },
        'op failed after its last attempt',
      );
      if (!isFinalAttempt) throw new UnrecoverableError(message);
    } else {
      await noteOpError(res.prisma, op.id, message);
      ending.value = 'retry';
      log.info({ err: message, transient: err instanceof TransientError }, 'op attempt failed; will retry');
    }
    throw err;
  }
}

async function apply(res: Resources, op: ClaimedOp): Promise<PushOutcome> {
  const { connector } = connectionOf(res, op.connectionId);
  const target = (op.target ?? {}) as Projection;
  switch (op.kind) {
    case 'create': {
      if (op.linked) {
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
      // While a pull of that connection runs, the record may be there and not pulled yet: look.
      const look = op.attempts > 1 || connector.naturalKeyLookup === 'search' || op.pulling;
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
      const base = baseAfter(op, record.projection);
      await finishPush(
        res.prisma,
        op.id,
        {
          upsert: {
            connectionId: op.connectionId,
            externalId: record.externalId,
            canonicalId: op.canonicalId,
            base,
            baseHash: contentHash(base),
            extras: record.extras,
          },
        },
        adopted ? 'adopted a record an earlier attempt created' : undefined,
      );
      return adopted ? 'adopted' : 'done';
    }
    case 'update': {
      const externalId = op.externalId!;
      try {
        const record = await connector.update(externalId, target, op.changed as never);
        const base = baseAfter(op, record.projection);
        await finishPush(res.prisma, op.id, {
          upsert: {
            connectionId: op.connectionId,
            externalId,
            canonicalId: op.canonicalId,
            base,
            baseHash: contentHash(base),
            extras: record.extras,
          },
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
      await finishPush(res.prisma, op.id, { unlink: { connectionId: op.connectionId, externalId } });
      return 'done';
    }
    default:
      throw new Error(`unknown op kind "${op.kind}"`);
  }
}

/** The base the planner asked for (held cells keep their old base); the provider's answer otherwise. */
const baseAfter = (op: ClaimedOp, answered: Projection): Projection => (op.baseAfter ?? answered) as Projection;

/**
 * Counts the op under its run (applied or failed) and, once it is no longer in flight, marks
 * its person due for a revisit if their planning waited behind it.
 */
async function afterPush(res: Resources, op: ClaimedOp, ending: Ending): Promise<void> {
  if (ending === 'retry' || ending === 'released') return; // not ended: a next attempt ends it
  const due =
    ending === 'unknown'
      ? await markDueIfEnded(res.prisma, op.id)
      : await afterOpEnded(
          res.prisma,
          op,
          ending === 'applied' ? { opsApplied: 1 } : ending === 'failed' ? { opsFailed: 1 } : {},
        );
  if (due) await requestRecheck(res);
  // The last op of a resync's push phase closes it.
  else await closeFinishedResyncs(res.prisma);
}

/** A permanent refusal ends the op and becomes a report entry with the provider's message. */
async function rejectOp(res: Resources, op: ClaimedOp, err: PermanentError): Promise<void> {
  const error = `${err.status ?? ''} ${err.message}`.trim();
  await storeRejectOp(res.prisma, op, { error, message: err.message, field: err.field });
}
