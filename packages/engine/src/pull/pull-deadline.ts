import { pullElapsedMs } from '@contact-sync/store';
import type { Resources } from '../resources.ts';

/** A pull ran past its overall deadline: it ends incomplete (nothing marked gone) and is not retried. */
export class PullDeadlineError extends Error {
  override readonly name = 'PullDeadlineError';
}

/**
 * The overall deadline of a pull (`pullDeadline` of its connection), counted from its first
 * attempt on Postgres's clock: its signal aborts the connector's requests when it passes, so a
 * provider that accepts connections and never answers holds a resync back by at most that
 * long. `signal` (a stop) aborts it too.
 */
export async function pullDeadline(
  res: Resources,
  pull: { runId: string; resyncRunId: string | null; connectionId: string; deadlineMs: number },
  signal?: AbortSignal,
): Promise<{ signal: AbortSignal; passed: () => boolean; error: () => PullDeadlineError; clear: () => void }> {
  const elapsed = await pullElapsedMs(res.prisma, pull.runId, pull.resyncRunId, pull.connectionId);
  const error = () =>
    new PullDeadlineError(
      `${pull.connectionId}: pull deadline of ${Math.round(pull.deadlineMs / 1000)} s passed; the pull ends incomplete`,
    );
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(error()), Math.max(0, pull.deadlineMs - elapsed));
  return {
    signal: signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal,
    passed: () => deadline.signal.aborted,
    error,
    clear: () => clearTimeout(timer),
  };
}
