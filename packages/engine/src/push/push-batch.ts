import { type ClaimedOp, claimBatch, closeFinishedResyncs, countOpRequests, nextBackoffEnd } from '@contact-sync/store';
import { enqueuePush, type Resources } from '../resources.ts';
import { afterBatch, endOf, recordEnds } from './batch-end.ts';
import { boundedEach } from './bounded-each.ts';
import { countingOpRequests, type OpRequests } from './op-requests.ts';
import { type AttemptResult, attemptOp } from './push.ts';

/** Ops this process's batches are pushing right now: a claim leaves them alone (see `claimBatch`). */
const active = new Set<string>();

/**
 * A push job: claims batches of the connection's ready ops (`push.batchSize` at a time) until
 * none is left, pushes each batch's ops concurrently (`push.concurrency`, every request through
 * the connection's budget), and ends each batch with one statement. A batch's end runs while the
 * next batch's requests go out: its ops stay in flight until it commits, so the next claim leaves
 * them and their people alone (`claimBatch`), and ends commit in the order of their batches. A
 * wait for the budget or a rejected credential parks the job (the ops go back, ready). Ops that
 * failed transiently wait out their own backoff: a delayed job wakes the connection when the first
 * is due.
 */
export async function runPushJob(res: Resources, connectionId: string, jobId: string | undefined): Promise<number> {
  const limit = res.config.push.batchSize;
  let pushed = 0;
  /** The last batch's end, still running (it rejects only with an error of its own). */
  let ending: Promise<void> | null = null;
  const ended = async () => {
    const e = ending;
    ending = null;
    await e;
  };
  try {
    for (;;) {
      if (res.shutdown.signal.aborted) break;
      const claimed = await claimBatch(res.sql, connectionId, {
        workerId: res.workerId ?? 0,
        limit,
        active: [...active],
      });
      if (claimed.length === 0) {
        // The batch still ending may put ops back, or hold people whose next op waits: claim again after it.
        if (ending) {
          await ended();
          continue;
        }
        // The last batch was full, so it left closing resyncs to this end (see `afterBatch`).
        if (pushed > 0) await closeFinishedResyncs(res.sql);
        break;
      }
      const sent = await sendBatch(res, claimed);
      pushed += claimed.length;
      const before = ending;
      const end = (async () => {
        await before;
        await endBatchSent(res, connectionId, claimed, sent, claimed.length < limit);
      })();
      end.catch(() => {}); // awaited below or by the next round; not an unhandled rejection meanwhile
      ending = end;
      if (sent.stop?.kind === 'wait') {
        await ended();
        throw sent.stop.err; // parkOnWait parks the job until the window or the probe
      }
      if (sent.stop?.kind === 'released') {
        await ended();
        return pushed;
      }
      if (claimed.length < limit && !sent.putBack) {
        await ended();
        break;
      }
    }
  } finally {
    // An error above leaves the batch's end to finish (its ops recorded), then goes up as it was.
    await ending?.catch(() => {});
  }
  if (res.shutdown.signal.aborted) return pushed;
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

/** A batch's attempts, not yet recorded. */
interface SentBatch {
  results: Map<string, { result: AttemptResult; requests: OpRequests }>;
  /** What stopped the batch's attempts (the budget's wait, or a stopping worker), if anything did. */
  stop: (AttemptResult & { kind: 'wait' | 'released' }) | null;
  /** Some ops went back without an attempt (a second op of one person): claim again. */
  putBack: boolean;
}

/** Pushes a claimed batch's ops, at most `push.concurrency` at once, one op per person. */
async function sendBatch(res: Resources, claimed: ClaimedOp[]): Promise<SentBatch> {
  for (const op of claimed) active.add(op.id);
  // One op per person at a time: a second one waits for the next claim, after the first ended.
  const seen = new Set<string>();
  const run = claimed.filter((op) => !seen.has(op.canonicalId) && seen.add(op.canonicalId));
  const results = new Map<string, { result: AttemptResult; requests: OpRequests }>();
  const halt: { by: SentBatch['stop'] } = { by: null };
  try {
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
      if (result.kind === 'wait' || result.kind === 'released') halt.by ??= result as SentBatch['stop'];
    });
  } catch (err) {
    for (const op of claimed) active.delete(op.id);
    throw err;
  }
  return { results, stop: halt.by, putBack: run.length < claimed.length };
}

/** Records a sent batch's ends in one statement, and what follows once they are (`afterBatch`). */
async function endBatchSent(
  res: Resources,
  connectionId: string,
  claimed: ClaimedOp[],
  sent: SentBatch,
  mayBeLast: boolean,
): Promise<void> {
  try {
    const { results } = sent;
    const stopping = sent.stop?.kind === 'released';
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
  } finally {
    for (const op of claimed) active.delete(op.id);
  }
}
