import type { Connector, ListPage } from '@contact-sync/connectors';
import { addRunRequests, type PullCheckpoint } from '@contact-sync/store';
import type { Resources } from '../resources.ts';

/**
 * A list read that ran while the list changed under it (its total changed between pages): its
 * pages overlapped or skipped, so what it did not see may still exist. The pull ends incomplete —
 * nothing marked gone — and its job retries with a new read. Not detected: an insert and a delete
 * in the same gap between two pages (the total is unchanged); a record listed twice then is
 * quarantined as a provider's duplicate, and a skipped one could be marked gone.
 */
export class ListShiftedError extends Error {
  override readonly name = 'ListShiftedError';
}

/**
 * The pages of a pull: from its checkpoint where the connector's list can resume (`listFrom`),
 * else the whole list from the start (`next`/`total` unknown).
 */
export async function* pagesFrom(
  connector: Connector,
  checkpoint: PullCheckpoint,
  signal: AbortSignal,
): AsyncIterable<ListPage> {
  if (connector.listFrom) {
    yield* connector.listFrom(checkpoint.cursor, signal);
    return;
  }
  for await (const items of connector.list(signal)) yield { items, next: null, total: null };
}

/** Whether a list whose first page gave `total` may be resumed/compared: the page's total differs. */
export const totalChanged = (checkpoint: PullCheckpoint, page: ListPage): boolean =>
  page.total !== null && checkpoint.total !== null && page.total !== checkpoint.total;

/**
 * Counts the requests an attempt of a pull takes from its connection's budget (the budget's total
 * before and after: pushes of that connection meanwhile are counted too), added to the run's
 * `requests` — what status reads to tell how long a full pull takes at the budget.
 */
export async function countPullRequests(
  res: Resources,
  connectionId: string,
  runId: string,
): Promise<{ save: () => Promise<void> }> {
  const budget = res.budgets.get(connectionId);
  const before = budget ? (await budget.status()).requests : 0;
  let saved = false;
  return {
    save: async () => {
      if (!budget || saved) return;
      saved = true;
      const n = (await budget.status()).requests - before;
      if (n > 0) await addRunRequests(res.prisma, runId, n);
    },
  };
}

/**
 * Which pages a pull first offers as unchanged (`ingestUnchangedPage`): every page while they
 * are; after a page that was not, the next try waits 1, 2, 4 … up to 64 pages, so that an
 * initial pull (or a long run of new or edited records) pays a few tries, not one a page.
 */
export function probeSchedule(): { probe: () => boolean; probed: (unchanged: boolean) => void } {
  let wait = 0;
  let skip = 0;
  return {
    probe: () => {
      if (skip === 0) return true;
      skip--;
      return false;
    },
    probed: (unchanged) => {
      wait = unchanged ? 0 : Math.min(64, Math.max(1, wait * 2));
      skip = wait;
    },
  };
}
