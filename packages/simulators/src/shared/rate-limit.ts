import type { ProviderKey, RateLimitConfig, RateLimitSpec } from '../types.ts';

/**
 * The limits the provider documents (provider-notes.md), enforced by `limits: 'realistic'`.
 * A provider whose notes say "rate limits unconfirmed" has none here: the simulator does not
 * invent one. Several windows apply together (R-Service: 3,600 an hour and 20 per 2 s); the
 * first is the one `X-RateLimit-*` reports.
 */
export const REALISTIC_RATE_LIMITS: Record<ProviderKey, RateLimitSpec | null> = {
  // ilert: "120 requests/min per user API key"; 429 until the next window, no Retry-After.
  ilert: { max: 120, windowMs: 60_000 },
  churchpad: null,
  nodeping: null,
  growcrm: null,
  // r-service (4me): X-RateLimit-Limit 3600 per hour, plus a short-burst 20 per 2 s.
  'r-service': [
    { max: 3600, windowMs: 3_600_000 },
    { max: 20, windowMs: 2_000 },
  ],
};

/** How each API answers a refused request: a `Retry-After` to the window's end, or none (ilert). */
export const RETRY_AFTER_ON_429: Record<ProviderKey, boolean> = {
  ilert: false,
  churchpad: true,
  nodeping: true,
  growcrm: true,
  'r-service': true,
};

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms at which the reported (first) window ends, or the refusing window when refused. */
  resetAt: number;
  /** Seconds until the refusing window ends; fractional when time is scaled (`timeScale` > 1). */
  retryAfterSec: number;
  /** Whether this API sends `Retry-After` with its 429. */
  sendRetryAfter: boolean;
}

const asWindows = (spec: RateLimitSpec | null): RateLimitConfig[] | null =>
  spec === null ? null : Array.isArray(spec) ? spec : [spec];

/**
 * Fixed windows per credential, each starting at the first request after the previous one
 * ended (as a counter with a TTL would). `timeScale` shortens every window by that factor, so a
 * test runs a minute's window in a second; counts are not scaled. With no config it still
 * counts (for headers) but never refuses.
 */
export class RateLimiter {
  config: RateLimitSpec | null;
  timeScale: number;
  readonly sendRetryAfter: boolean;
  private readonly fallbackForHeaders: RateLimitConfig;
  private readonly now: () => number;
  private windows = new Map<string, { start: number; count: number }[]>();

  constructor(
    config: RateLimitSpec | null,
    fallbackForHeaders: RateLimitConfig = { max: 3600, windowMs: 3_600_000 },
    now: () => number = Date.now,
    opts: { timeScale?: number; sendRetryAfter?: boolean } = {},
  ) {
    this.config = config;
    this.fallbackForHeaders = fallbackForHeaders;
    this.now = now;
    this.timeScale = opts.timeScale ?? 1;
    this.sendRetryAfter = opts.sendRetryAfter ?? true;
  }

  set(config: RateLimitSpec | null): void {
    this.config = config;
    this.windows.clear();
  }

  hit(credential: string): RateDecision {
    const enforced = asWindows(this.config);
    const cfgs = enforced ?? [this.fallbackForHeaders];
    const now = this.now();
    let ws = this.windows.get(credential);
    if (!ws || ws.length !== cfgs.length) {
      ws = cfgs.map(() => ({ start: now, count: 0 }));
      this.windows.set(credential, ws);
    }
    const spans = cfgs.map((c) => c.windowMs / this.timeScale);
    for (let i = 0; i < cfgs.length; i++) {
      if (now >= ws[i]!.start + spans[i]!) ws[i] = { start: now, count: 0 };
    }
    const secs = (ms: number) =>
      this.timeScale === 1 ? Math.max(1, Math.ceil(ms / 1000)) : Math.max(0.001, Math.ceil(ms) / 1000);
    const head = cfgs[0]!;
    const headReset = ws[0]!.start + spans[0]!;
    if (enforced) {
      // The window that refuses longest decides the wait.
      let refusing = -1;
      for (let i = 0; i < cfgs.length; i++) {
        if (
          ws[i]!.count >= cfgs[i]!.max &&
          (refusing < 0 || ws[i]!.start + spans[i]! > ws[refusing]!.start + spans[refusing]!)
        )
          refusing = i;
      }
      if (refusing >= 0) {
        const resetAt = ws[refusing]!.start + spans[refusing]!;
        return {
          allowed: false,
          limit: head.max,
          remaining: Math.max(0, head.max - ws[0]!.count),
          resetAt: refusing === 0 ? headReset : resetAt,
          retryAfterSec: secs(resetAt - now),
          sendRetryAfter: this.sendRetryAfter,
        };
      }
    }
    for (const w of ws) w.count++;
    return {
      allowed: true,
      limit: head.max,
      // A server that does not enforce its limits never says they are spent: a client honouring
      // `X-RateLimit-Remaining: 0` would wait out an hour's window for nothing (the bench at 10,000 people).
      remaining: Math.max(enforced ? 0 : 1, head.max - ws[0]!.count),
      resetAt: headReset,
      retryAfterSec: secs(headReset - now),
      sendRetryAfter: this.sendRetryAfter,
    };
  }
}
