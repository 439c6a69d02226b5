import type { ProviderKey, RateLimitConfig } from '../types.ts';

/** Limits the vendors document (or that are typical), for runs that want realism. Off by default. */
export const REALISTIC_RATE_LIMITS: Record<ProviderKey, RateLimitConfig> = {
  ilert: { max: 120, windowMs: 60_000 },
  churchpad: { max: 100, windowMs: 60_000 },
  nodeping: { max: 300, windowMs: 60_000 },
  growcrm: { max: 60, windowMs: 60_000 },
  'r-service': { max: 3600, windowMs: 3_600_000 },
};

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms at which the current window ends. */
  resetAt: number;
  retryAfterSec: number;
}

/** Fixed window per credential. With no config it still counts (for headers) but never refuses. */
export class RateLimiter {
  config: RateLimitConfig | null;
  private readonly fallbackForHeaders: RateLimitConfig;
  private readonly now: () => number;
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    config: RateLimitConfig | null,
    fallbackForHeaders: RateLimitConfig = { max: 3600, windowMs: 3_600_000 },
    now: () => number = Date.now,
  ) {
    this.config = config;
    this.fallbackForHeaders = fallbackForHeaders;
    this.now = now;
  }

  set(config: RateLimitConfig | null): void {
    this.config = config;
    this.windows.clear();
  }

  hit(credential: string): RateDecision {
    const cfg = this.config ?? this.fallbackForHeaders;
    const now = this.now();
    let w = this.windows.get(credential);
    if (!w || now >= w.start + cfg.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(credential, w);
    }
    const resetAt = w.start + cfg.windowMs;
    const retryAfterSec = Math.max(1, Math.ceil((resetAt - now) / 1000));
    if (this.config && w.count >= cfg.max) {
      return { allowed: false, limit: cfg.max, remaining: 0, resetAt, retryAfterSec };
    }
    w.count++;
    return { allowed: true, limit: cfg.max, remaining: Math.max(0, cfg.max - w.count), resetAt, retryAfterSec };
  }
}
