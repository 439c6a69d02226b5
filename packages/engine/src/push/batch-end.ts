import {
  afterBatchEnded,
  type ClaimedOp,
  closeFinishedResyncs,
  committedMaxSeq,
  type EndedOp,
  endBatch,
  isConnectionError,
  type OpEnd,
} from '@contact-sync/store';
import { enqueueOps, enqueueReconcile, type Resources, requestRecheck } from '../resources.ts';
import { providerBackoff } from './backoff.ts';
import type { OpRequests } from './op-requests.ts';
import type { AttemptResult } from './push.ts';

/** How a batch's attempts are recorded (`endBatch`) and what follows once they are. */

/** What `endBatch` records for one op (null: recorded already, a refusal with its conflict). */
export function endOf(
  res: Resources,
  op: ClaimedOp,
  done: { result: AttemptResult; requests: OpRequests } | undefined,
  stopping: boolean,
): OpEnd | null {
  const released = 'released: its worker stopped during the push';
  // Not started: back as it was, the attempt not counted.
  if (!done) {
    const back = { id: op.id, status: 'pending', refund: true, sent: 0, failed: 0 } as const;
    return stopping ? { ...back, note: released, bumpGeneration: true } : { ...back, note: op.lastError };
  }
  const { result, requests } = done;
  const counts = { id: op.id, sent: requests.sent, failed: requests.failed };
  switch (result.kind) {
    case 'ended':
      return { ...counts, status: result.status, note: result.note, ...(result.link ? { link: result.link } : {}) };
    case 'failed':
      return { ...counts, status: 'failed', note: result.note };
    case 'rejected':
      return null;
    case 'retry': {
      const delayMs = providerBackoff(res.config.push.backoff)(op.attempts, 'provider', result.err as Error);
      return { ...counts, status: 'pending', note: result.note, delayMs };
    }
    case 'wait':
      // Nothing applied unless a request failed with an unknown outcome: then the attempt counts
      // (a create looks before it writes again).
      return { ...counts, status: 'pending', note: result.note, refund: requests.failed === 0 };
    case 'released':
      // Its attempt stays counted: a create that may have landed looks before it writes again.
      return { ...counts, status: 'pending', note: released, bumpGeneration: true };
  }
}

/**
 * After the batch's end committed: counts its ended ops under their runs, marks their people
 * due for a revisit if they wait for one (else the last op of a resync closes it), hands ops a
 * stopping worker let go to a new job, and asks for a reconcile when records turned out gone.
 * `mayBeLast`: the claim took fewer ops than it could, so no other op of the connection was
 * ready; a full batch leaves closing resyncs to a later batch or the job's end (`runPushJob`),
 * since the check reads the whole outbox.
 */
export async function afterBatch(
  res: Resources,
  connectionId: string,
  claimed: ClaimedOp[],
  ended: EndedOp[],
  rejected: ClaimedOp[],
  results: Map<string, { result: AttemptResult }>,
  mayBeLast: boolean,
): Promise<void> {
  const finished = ended.filter((o) => o.status !== 'pending');
  const counts = new Map<string, { runId: string; opsApplied: number; opsFailed: number }>();
  for (const o of finished) {
    if (!o.runId) continue;
    const c = counts.get(o.runId) ?? { runId: o.runId, opsApplied: 0, opsFailed: 0 };
    if (o.status === 'failed') c.opsFailed++;
    else c.opsApplied++;
    counts.set(o.runId, c);
  }
  const people = [...finished, ...rejected].map((o) => o.canonicalId);
  if (people.length > 0) {
    const due = await persist(res, () => afterBatchEnded(res.sql, [...counts.values()], people));
    if (due) await requestRecheck(res);
    else if (mayBeLast) await closeFinishedResyncs(res.sql);
  }
  // Let go by a stopping worker (a new generation): a job of their own, ahead of what waits.
  const released = ended.filter((o) => o.status === 'pending' && o.generation > generationOf(claimed, o.id));
  if (released.length > 0) await enqueueOps(res, released, { first: true }).catch(() => {});
  const gone = claimed.some((op) => {
    const r = results.get(op.id)?.result;
    return r?.kind === 'ended' && r.gone;
  });
  if (gone) await enqueueReconcile(res, await committedMaxSeq(res.prisma), `gone:${connectionId}`);
}

const generationOf = (claimed: ClaimedOp[], id: string): number =>
  claimed.find((op) => op.id === id)?.generation ?? Number.POSITIVE_INFINITY;

/**
 * A batch's bookkeeping after its requests went out: retried through a short database outage,
 * since the alternative (the ops left in flight, retried, adopted) costs a lookup per op.
 */
async function persist<T>(res: Resources, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 6 || !isConnectionError(err) || res.shutdown.signal.aborted) throw err;
      res.logger.warn({ err: (err as Error).message, attempt }, 'push batch bookkeeping failed; trying again');
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

/**
 * Records a batch's ends in one statement. An end that cannot be written (its link would break
 * a constraint: another record of that person is linked there) must not hold back the others:
 * then each is written alone, and one that still fails goes back for a retry with the error
 * (failed on its last attempt), its link not written.
 */
export async function recordEnds(res: Resources, claimed: ClaimedOp[], ends: OpEnd[]): Promise<EndedOp[]> {
  try {
    return await persist(res, () => endBatch(res.sql, ends));
  } catch (err) {
    if (isConnectionError(err) || ends.length === 0) throw err;
    const ended: EndedOp[] = [];
    for (const end of ends) {
      const one = await endBatch(res.sql, [end]).catch(async (e: unknown) => {
        if (isConnectionError(e)) throw e;
        const op = claimed.find((o) => o.id === end.id)!;
        const note = `could not record the push: ${(e as Error).message}`;
        res.logger.warn({ opId: op.id, err: note }, 'op end not recorded; will retry');
        const { link: _link, ...rest } = end;
        const last = op.attempts >= res.config.push.attempts;
        const delayMs = providerBackoff(res.config.push.backoff)(op.attempts);
        return endBatch(res.sql, [{ ...rest, status: last ? 'failed' : 'pending', note, delayMs }]);
      });
      ended.push(...one);
    }
    return ended;
  }
}
