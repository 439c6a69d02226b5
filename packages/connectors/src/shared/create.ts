import { TransientError } from '../errors.ts';
import type { ExternalRecord } from '../types.ts';
import { sleep } from './sleep.ts';

/**
 * A create that never makes a second record: when an attempt's outcome is unknown
 * (timeout, 5xx, reset), look for the record it may have made and adopt it before trying
 * again. Bounded like the transport's own retries.
 */
export const createAdopting = async (
  create: () => Promise<ExternalRecord>,
  find: () => Promise<ExternalRecord | null>,
  opts: { retries: number; minBackoffMs: number },
): Promise<ExternalRecord> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      // Errors that were certainly not applied were already retried by the transport.
      if (!(err instanceof TransientError) || !err.mayHaveApplied || attempt >= opts.retries) throw err;
      await sleep(Math.max(err.retryAfterMs ?? 0, opts.minBackoffMs * 2 ** attempt * (1 + Math.random())));
      const found = await find();
      if (found) return found;
    }
  }
};
