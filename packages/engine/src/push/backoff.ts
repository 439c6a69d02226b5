import { TransientError } from '@contact-sync/connectors';

/**
 * Exponential backoff with full jitter; a provider's Retry-After wins when it asks for longer.
 * An op's own retries (its `nextAttemptAt`) and the push jobs' retries both use it.
 */
export const providerBackoff =
  (baseMs: number) =>
  (attemptsMade: number, _type?: string, err?: Error): number => {
    const exp = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), 60_000);
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const retryAfter = err instanceof TransientError && err.retryAfterMs ? err.retryAfterMs : 0;
    return Math.max(jittered, retryAfter);
  };
