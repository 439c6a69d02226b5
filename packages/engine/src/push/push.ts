import { NotFoundError, PermanentError, TransientError } from '@contact-sync/connectors';
import { contentHash, type Projection } from '@contact-sync/core';
import {
  type ClaimedOp,
  markGone,
  type OpEnd,
  type PushedLink,
  rejectOp as storeRejectOp,
  withSeqWrite,
} from '@contact-sync/store';
import { BudgetWaitError, isCredentialRejection } from '../budget.ts';
import { connectionOf, type Resources } from '../resources.ts';
import { OpAttemptsSpentError, type OpRequests, spent } from './op-requests.ts';

type Link = NonNullable<OpEnd['link']>;

/**
 * How one op's attempt came out, for the batch to record (`push-batch.ts`): `ended` when it
 * succeeded or was superseded (with its link change), `failed` when no layer tries it again,
 * `rejected` when a provider's refusal ended it (recorded already, with its conflict entry),
 * `retry` after a transient failure (back with its own backoff), `wait` when the connection must
 * wait (rate window, rejected credential: not a failure), `released` when the worker is stopping.
 */
export type AttemptResult =
  | { kind: 'ended'; status: 'done' | 'superseded'; note: string | null; link?: Link; gone?: boolean }
  | { kind: 'failed'; note: string }
  | { kind: 'rejected' }
  | { kind: 'retry'; note: string; err: unknown }
  | { kind: 'wait'; note: string; err: unknown }
  | { kind: 'released' };

/**
 * One push attempt of a claimed op. Every step is safe to repeat after a crash: a create whose
 * earlier attempt may have landed first looks for the record by natural key and adopts it, and
 * the link base becomes what the provider now holds only after the provider answered (the
 * batch's end writes it with the op's end). Its HTTP requests are counted in `requests`.
 */
export async function attemptOp(res: Resources, op: ClaimedOp, requests: OpRequests): Promise<AttemptResult> {
  // The op's fields go with each line it writes: a child logger per op ran pino's redaction over
  // its bindings at creation, for every op, whether or not it logged (~60 ms of a 10,000-person
  // initial sync's CPU and 40 MB of garbage at 3,000 people).
  const at = { connectionId: op.connectionId, opId: op.id, kind: op.kind, runId: op.runId };
  const isFinalAttempt = op.attempts >= res.config.push.attempts;
  try {
    // Spent before this attempt (its last one died before failing it, or a lost queue restarted it).
    if (spent(requests)) throw new OpAttemptsSpentError(op.id, requests.max);
    const result = await apply(res, op);
    res.logger.debug({ ...at, status: result.status, note: result.note }, 'op applied');
    return result;
  } catch (err) {
    if (res.shutdown.signal.aborted) {
      // The worker is stopping and aborted the request: the op goes back to pending for a new
      // job (here, or in the next worker to start), without a failed attempt.
      res.logger.info(at, 'op released: the worker is stopping');
      return { kind: 'released' };
    }
    const message = err instanceof Error ? err.message : String(err);
    // The credential, not the write, was refused: the op waits for the connection to resume.
    if (isCredentialRejection(err)) return { kind: 'wait', note: `credential rejected: ${message}`, err };
    if (err instanceof PermanentError) {
      await rejectOp(res, op, err);
      res.logger.warn({ ...at, status: err.status, field: err.field, err: err.message }, 'op rejected by provider');
      return { kind: 'rejected' };
    }
    // Not an attempt: the connection waits for its rate window (the job parks).
    if (err instanceof BudgetWaitError) return { kind: 'wait', note: message, err };
    // The op's failed HTTP requests reached their bound: no layer tries again.
    if (isFinalAttempt || err instanceof OpAttemptsSpentError || spent(requests)) {
      res.logger.error(
        { ...at, err: message, httpFailures: requests.failedBefore + requests.failed },
        'op failed after its last attempt',
      );
      return { kind: 'failed', note: message };
    }
    res.logger.info({ ...at, err: message, transient: err instanceof TransientError }, 'op attempt failed; will retry');
    return { kind: 'retry', note: message, err };
  }
}

type Applied = Extract<AttemptResult, { kind: 'ended' }>;

async function apply(res: Resources, op: ClaimedOp): Promise<Applied> {
  const { connector } = connectionOf(res, op.connectionId);
  const target = (op.target ?? {}) as Projection;
  switch (op.kind) {
    case 'create': {
      if (op.linked) return superseded('already linked (found by a pull or an earlier attempt)');
      // Look before creating. On a retry, a previous attempt may have created the record and
      // lost the answer (timeout, ghost write, crash): adopt it, it holds what we asked for.
      // On a first attempt, a record found was there already (it appeared after the last
      // pull, or the plan was made before that provider's pull): do not create a second
      // one and do not guess its base; the next pull links it like any matched record.
      // A first attempt looks only where the provider answers a search: where a lookup
      // streams the whole list, looking before every create makes an initial sync quadratic
      // in calls (bench: ChurchPad creates fell to ~70/min at 10,000 people).
      // While a pull of that connection runs, the record may be there and not pulled yet: look.
      // An op of a later generation has a history (re-armed after it ended, or put back by a
      // stopping or vanished worker): a create superseded because its record was there comes
      // back with its attempts at zero if the person is planned again before a pull links that
      // record, so it looks (create-again.integration.test.ts).
      const look = op.attempts > 1 || op.generation > 0 || connector.naturalKeyLookup === 'search' || op.pulling;
      const found = look ? await connector.findByNaturalKey(target) : null;
      if (found && op.attempts <= 1)
        return superseded(
          `a record with the same natural key exists (${found.externalId}); the next pull of ${op.connectionId} links it`,
        );
      const record = found ?? (await connector.create(target));
      return done(
        { upsert: linkOf(op, record.externalId, record.projection, record.extras) },
        found ? 'adopted a record an earlier attempt created' : null,
      );
    }
    case 'update': {
      const externalId = op.externalId!;
      try {
        const record = await connector.update(externalId, target, op.changed as never);
        return done({ upsert: linkOf(op, externalId, record.projection, record.extras) }, null);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        // Deleted on that side meanwhile: record it as a delete there; the reconciler decides.
        await withSeqWrite(res.prisma, (tx) => markGone(tx, op.connectionId, [externalId]));
        return { ...superseded('record no longer exists at the provider'), gone: true };
      }
    }
    case 'delete': {
      const externalId = op.externalId!;
      await connector.delete(externalId);
      return done({ unlink: { connectionId: op.connectionId, externalId } }, null);
    }
    default:
      throw new Error(`unknown op kind "${op.kind}"`);
  }
}

const done = (link: Link, note: string | null): Applied => ({ kind: 'ended', status: 'done', note, link });
const superseded = (note: string): Applied => ({ kind: 'ended', status: 'superseded', note });

/** The link a successful write leaves: the base the planner asked for (held cells keep their old base), else the answer. */
function linkOf(op: ClaimedOp, externalId: string, answered: Projection, extras: Record<string, unknown>): PushedLink {
  const base = (op.baseAfter ?? answered) as Projection;
  return {
    connectionId: op.connectionId,
    externalId,
    canonicalId: op.canonicalId,
    base,
    baseHash: contentHash(base),
    extras,
  };
}

/** A permanent refusal ends the op and becomes a report entry with the provider's message. */
async function rejectOp(res: Resources, op: ClaimedOp, err: PermanentError): Promise<void> {
  const error = `${err.status ?? ''} ${err.message}`.trim();
  await storeRejectOp(res.prisma, op, { error, message: err.message, field: err.field });
}
