import { type ConnectorError, NotFoundError, PermanentError, TransientError } from '../errors.ts';

/** The provider's own words for a failed response. */
export interface ErrorDetails {
  message: string;
  field: string | null;
}

/** Retry-After as seconds or an HTTP date → milliseconds (null when absent or unreadable). */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | null => {
  if (value == null || value.trim() === '') return null;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
};

/**
 * Status → error class. 408/425/429/5xx are transient (429 carries Retry-After); 404 and
 * 410 mean gone; every other 4xx is permanent, including 401/403 (a retry will not fix a
 * bad credential).
 */
export const classifyStatus = (
  provider: string,
  status: number,
  details: ErrorDetails,
  retryAfterMs: number | null,
): ConnectorError => {
  const message = `${provider} ${status}: ${details.message}`;
  if (status === 404 || status === 410) return new NotFoundError(provider, message, status);
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const e = new TransientError(provider, message, status, retryAfterMs);
    // A 429 is refused before it is applied; a 5xx or 408 may have been applied.
    e.mayHaveApplied = status !== 429;
    return e;
  }
  return new PermanentError(provider, details.message, status, details.field);
};

/** First string found under `keys` in a JSON error body, else the text itself. */
export const messageOf = (body: unknown, text: string, keys: readonly string[] = ['message']): string => {
  if (body && typeof body === 'object') {
    for (const k of keys) {
      const v = (body as Record<string, unknown>)[k];
      if (typeof v === 'string' && v !== '') return v;
    }
  }
  const t = text.trim();
  return t === '' ? 'no error message' : t.slice(0, 300);
};
