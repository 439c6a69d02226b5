import type { BudgetStatus, BudgetWindow } from '@contact-sync/engine/budget';
import type { BudgetContext } from '../context.ts';
import { AdminOpError, type LimitsView } from './views.ts';

/**
 * How long a full pull takes at a budget, at the rate it sustains (requests ÷ allowed rate, the
 * slowest window): what a schedule has to leave between two pulls, since a window spent by one
 * pull is not free for the next (R-Service: 2,020 requests take 2,020 s of its 3,600 an hour).
 */
export const pullFloorMs = (requests: number, windows: readonly BudgetWindow[]): number =>
  Math.round(Math.max(0, ...windows.map((w) => (requests * w.durationMs) / w.max)));

/** Schedule feasibility: a full pull at its budget against the schedule interval (null for a cron schedule). */
export function feasibility(
  lastPullRequests: number | null,
  windows: readonly BudgetWindow[],
  intervalMs: number | null,
): LimitsView['feasibility'] {
  if (lastPullRequests === null || lastPullRequests === 0) return null;
  const floor = pullFloorMs(lastPullRequests, windows);
  const feasible = intervalMs === null ? null : floor <= intervalMs;
  return {
    lastPullRequests,
    fullPullSeconds: Math.round(floor / 1000),
    intervalSeconds: intervalMs === null ? null : Math.round(intervalMs / 1000),
    feasible,
    warning:
      feasible === false
        ? `a full pull needs ${lastPullRequests} requests: ${Math.round(floor / 1000)} s at its budget, longer than its schedule of ${Math.round(intervalMs! / 1000)} s; it cannot finish between two scheduled pulls`
        : null,
  };
}

const hhmm = (ms: number) =>
  new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });

/** The budget's state in words: paused for a rejected credential, waiting for its rate window, or ok. */
export function limitsOf(
  status: BudgetStatus,
  paused: string | null,
  now: number,
): Pick<LimitsView, 'state' | 'until' | 'message'> {
  const fullest = [...status.windows].sort((a, b) => b.used / b.max - a.used / a.max)[0];
  const used = fullest
    ? `${fullest.used.toLocaleString('en')} of ${fullest.max.toLocaleString('en')} requests used`
    : '';
  if (paused !== null)
    return {
      state: 'credential-rejected',
      until: null,
      message: `credential rejected (${paused}): paused, its ops wait; a probe per interval, or contact-sync connections resume`,
    };
  const spent = status.windows.find((w) => w.used >= w.max);
  const until = status.blockedUntil ?? (spent ? now + spent.durationMs : null);
  if (until !== null)
    return {
      state: 'waiting',
      until: new Date(until).toISOString(),
      message: `waiting for its rate window until ${hhmm(until)}, ${used}`,
    };
  return { state: 'ok', until: null, message: used };
}

/** Every configured connection's budget, credential state and schedule feasibility. */
export async function connectionLimits(
  res: BudgetContext,
  id: string,
  lastPullRequests: number | null,
): Promise<LimitsView> {
  const budget = res.budgets.get(id);
  const { config } = res.connections.get(id)!;
  if (!budget) throw new AdminOpError('not_found', `connection "${id}" has no budget`);
  const [status, paused] = await Promise.all([budget.status(), budget.paused()]);
  const intervalMs = 'every' in config.schedule ? config.schedule.every : null;
  return {
    ...limitsOf(status, paused, Date.now()),
    windows: status.windows,
    requests: status.requests,
    refused429: status.refused429,
    feasibility: feasibility(lastPullRequests, budget.windows, intervalMs),
  };
}

/**
 * Lifts a credential pause by hand (`contact-sync connections resume ID`): the next request tells
 * whether the credential works, and the jobs parked for the pause run now instead of at their probe.
 */
export async function resumeConnection(
  res: BudgetContext,
  id: string,
): Promise<{ connectionId: string; resumed: number }> {
  const budget = res.budgets.get(id);
  if (!budget) throw new AdminOpError('not_found', `unknown connection "${id}"`);
  await budget.resume();
  let resumed = 0;
  for (const queue of [res.queues.push.get(id), res.queues.pull.get(id)]) {
    if (!queue) continue;
    for (const job of await queue.getDelayed(0, -1))
      await job.promote().then(
        () => resumed++,
        () => {}, // ran or moved meanwhile
      );
  }
  return { connectionId: id, resumed };
}
