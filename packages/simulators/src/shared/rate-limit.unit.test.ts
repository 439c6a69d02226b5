import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('a limiter that does not enforce (limits: none)', () => {
  it('keeps counting for its headers but never reports the window spent', () => {
    const limiter = new RateLimiter(null, { max: 3, windowMs: 3_600_000 }, () => 1_000);
    const decisions = Array.from({ length: 5 }, () => limiter.hit('token'));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 1, 1, 1]);
  });

  it('an enforcing one reports 0 left, then refuses', () => {
    const limiter = new RateLimiter({ max: 2, windowMs: 1_000 }, undefined, () => 1_000);
    expect(limiter.hit('token').remaining).toBe(1);
    expect(limiter.hit('token').remaining).toBe(0);
    expect(limiter.hit('token').allowed).toBe(false);
  });
});
