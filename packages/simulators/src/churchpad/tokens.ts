import type { Rng } from '../shared/prng.ts';

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** Far enough ahead that the sandbox's printed token outlives any run (2100-01-01). */
const LONG_LIVED_EXP_SEC = 4102444800;

/**
 * ChurchPad's access tokens (simplejwt style): JWTs whose payload carries `exp` (epoch seconds).
 * Only tokens issued here are accepted, and only until they expire; an expired one is answered
 * 401 `token_not_valid` like any invalid token. Lifetimes are shortened by `timeScale`.
 */
export class ChurchpadTokens {
  private readonly expiresAt = new Map<string, number>();
  private readonly rng: Rng;
  private readonly userId: number;
  private readonly timeScale: number;
  private readonly now: () => number;

  constructor(rng: Rng, timeScale = 1, now: () => number = Date.now) {
    this.rng = rng;
    this.userId = rng.int(1, 9999);
    this.timeScale = timeScale;
    this.now = now;
  }

  /** A new access token living `ttlMs` (unscaled; scaled by `timeScale`), or long-lived without one. */
  issue(ttlMs?: number): string {
    const expMs = ttlMs === undefined ? LONG_LIVED_EXP_SEC * 1000 : this.now() + ttlMs / this.timeScale;
    const token = [
      b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' })),
      b64url(
        JSON.stringify({ token_type: 'access', exp: Math.ceil(expMs / 1000), user_id: this.userId, church: 'sandbox' }),
      ),
      this.rng.chars(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    ].join('.');
    this.expiresAt.set(token, expMs);
    return token;
  }

  /** Whether `token` was issued here and has not expired. */
  valid(token: string | null): boolean {
    if (token === null) return false;
    const exp = this.expiresAt.get(token);
    return exp !== undefined && this.now() < exp;
  }

  /** Ends a token's life now (a revoked or lapsed credential). */
  expire(token: string): void {
    if (this.expiresAt.has(token)) this.expiresAt.set(token, this.now());
  }
}
