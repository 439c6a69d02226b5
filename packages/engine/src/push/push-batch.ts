import { type ClaimedOp, claimBatch, closeFinishedResyncs, countOpRequests, nextBackoffEnd } from '@contact-sync/store';
import { enqueuePush, type Resources } from '../resources.ts';
import { afterBatch, endOf, recordEnds } from './batch-end.ts';
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
    const claimed = await claimBatch(res.sql, connectionId, {
      workerId: res.workerId ?? 0,
      limit,
      active: [...active],
    });
    if (claimed.length === 0) {
      // The last batch was full, so it left closing resyncs to this end (see `afterBatch`).
      if (pushed > 0) await closeFinishedResyncs(res.sql);
      break;
    }
    const batch = await pushBatch(res, connectionId, claimed, claimed.length < limit);
    pushed += claimed.length;
    if (batch.wait) throw batch.wait.err; // parkOnWait parks the job until the window or the probe
    if (batch.stopped) return pushed;
    if (claimed.length < limit && !batch.putBack) break;
  }
  const at = await nextBackoffEnd(res.sql, connectionId);
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

async function pushBatch(
  res: Resources,
  connectionId: string,
  claimed: ClaimedOp[],
  mayBeLast: boolean,
): Promise<BatchOutcome> {
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
    const ended = await recordEnds(
      res,
      claimed,
      ends.filter((e) => e !== null),
    );
    for (const op of rejected) {
      const { requests } = results.get(op.id)!;
      await countOpRequests(res.sql, op.id, requests.sent, requests.failed).catch(() => {});
    }
    await afterBatch(res, connectionId, claimed, ended, rejected, results, mayBeLast);
    return {
      wait: stop?.kind === 'wait' ? { err: stop.err } : null,
      stopped: stopping,
      putBack: run.length < claimed.length,
    };
  } finally {
    for (const op of claimed) active.delete(op.id);
  }
}
