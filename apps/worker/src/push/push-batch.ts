import {
  afterBatchEnded,
  type ClaimedOp,
  claimBatch,
  closeFinishedResyncs,
  committedMaxSeq,
  countOpRequests,
  type EndedOp,
  endBatch,
  nextBackoffEnd,
  type OpEnd,
} from '@contact-sync/store';
import { enqueueOps, enqueuePush, enqueueReconcile, type Resources, requestRecheck } from '../resources.ts';
import { providerBackoff } from './backoff.ts';
import { boundedEach } from './bounded-each.ts';
import { countingOpRequests, type OpRequests } from './op-requests.ts';
import { type AttemptResult, attemptOp } from './push.ts';

/** Ops this process's batches are pushing right now: a claim leaves them alone (see `claimBatch`). */
const active = new Set<string>();

/** Thrown to park the job: the connection waits for its rate window or its credential. */
type Wait = { err: unknown };

/**
 * A push job: claims batches of the connection's ready ops (`push.batchSize` at a time) until
 * none is left, pushes each batch's ops concurrently (`push.concurrency`, every request through
 * the connection's budget), and ends each batch with one statement. A wait for the budget or a
 * rejected credential parks the job (the ops go back, ready). Ops that failed transiently wait
 * out their own backoff: a delayed job wakes the connection when the first is due.
 */
export async function runPushJob(res: Resources, connectionId: string, jobId: string | undefined): Promise<number> {
  const limit = res.config.push.batchSize;
  let pushed = 0;
  for (;;) {
    if (res.shutdown.signal.aborted) return pushed;
    const claimed = await claimBatch(res.prisma, connectionId, {
      workerId: res.workerId ?? 0,
      limit,
      active: [...active],
    });
    if (claimed.length === 0) break;
    const batch = await pushBatch(res, connectionId, claimed);
    pushed += claimed.length;
    if (batch.wait) throw batch.wait.err; // parkOnWait parks the job until the window or the probe
    if (batch.stopped) return pushed;
    if (claimed.length < limit && !batch.putBack) break;
  }
  const at = await nextBackoffEnd(res.prisma, connectionId);
  if (at) {
    const id = `at-${connectionId}-${at.getTime()}`;
    // A job woken early (promoted by hand) must not name itself as its own wake-up.
    await enqueuePush(res, connectionId, {
      jobId: id === jobId ? `${id}-again-${Date.now()}` : id,
      delayMs: Math.max(0, at.getTime() - Date.now()),
    });
  }
  return pushed;
}

interface BatchOutcome {
  wait: Wait | null;
  stopped: boolean;
  /** Some ops went back without an attempt (a second op of one person): claim again. */
  putBack: boolean;
}

async function pushBatch(res: Resources, connectionId: string, claimed: ClaimedOp[]): Promise<BatchOutcome> {
  for (const op of claimed) active.add(op.id);
  try {
    // One op per person at a time: a second one waits for the next claim, after the first ended.
    const seen = new Set<string>();
    const run = claimed.filter((op) => !seen.has(op.canonicalId) && seen.add(op.canonicalId));
    const results = new Map<string, { result: AttemptResult; requests: OpRequests }>();
    const halt: { by: AttemptResult | null } = { by: null };
    await boundedEach(run, res.config.push.concurrency, async (op) => {
      if (halt.by) return; // not started: the connection waits, or the worker stops
      const requests: OpRequests = {
        opId: op.id,
        max: res.config.push.maxHttpAttempts,
        failedBefore: op.httpFailures,
        sent: 0,
        failed: 0,
      };
      const result = await countingOpRequests(requests, () => attemptOp(res, op, requests));
      results.set(op.id, { result, requests });
      if (result.kind === 'wait' || result.kind === 'released') halt.by ??= result;
    });
    const stop = halt.by;
    const stopping = stop?.kind === 'released';
    const ends = claimed.map((op) => endOf(res, op, results.get(op.id), stopping));
    const rejected = claimed.filter((op) => results.get(op.id)?.result.kind === 'rejected');
    const ended = await persist(res, () =>
      endBatch(
        res.prisma,
        ends.filter((e) => e !== null),
      ),
    );
    for (const op of rejected) {
      const { requests } = results.get(op.id)!;
      await countOpRequests(res.prisma, op.id, requests.sent, requests.failed).catch(() => {});
    }
    await afterBatch(res, connectionId, claimed, ended, rejected, results);
    return {
      wait: stop?.kind === 'wait' ? { err: stop.err } : null,
      stopped: stopping,
      putBack: run.length < claimed.length,
    };
  } finally {
    for (const op of claimed) active.delete(op.id);
  }
}

/** What `endBatch` records for one op (null: recorded already, a refusal with its conflict). */
function endOf(
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
 */
async function afterBatch(
  res: Resources,
  connectionId: string,
  claimed: ClaimedOp[],
  ended: EndedOp[],
  rejected: ClaimedOp[],
  results: Map<string, { result: AttemptResult }>,
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
    const due = await persist(res, () => afterBatchEnded(res.prisma, [...counts.values()], people));
    if (due) await requestRecheck(res);
    else await closeFinishedResyncs(res.prisma);
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
      if (attempt >= 6 || res.shutdown.signal.aborted) throw err;
      res.logger.warn({ err: (err as Error).message, attempt }, 'push batch bookkeeping failed; trying again');
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}
