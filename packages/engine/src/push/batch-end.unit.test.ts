import { TransientError } from '@contact-sync/connectors';
import type { ClaimedOp } from '@contact-sync/store';
import { describe, expect, it } from 'vitest';
import type { Resources } from '../resources.ts';
import { providerBackoff } from './backoff.ts';
import { endOf } from './batch-end.ts';
import type { OpRequests } from './op-requests.ts';
import type { AttemptResult } from './push.ts';

// endOf reads only these of its arguments: the rest of an op and of the resources is left out.
const res = { config: { push: { backoff: 1_000 } } } as Resources;
const op = { id: 'op-1', attempts: 2, lastError: 'earlier' } as ClaimedOp;
const requests = (sent: number, failed: number): OpRequests => ({
  opId: 'op-1',
  max: 8,
  failedBefore: 0,
  sent,
  failed,
});
const done = (result: AttemptResult, sent = 1, failed = 0) => ({ result, requests: requests(sent, failed) });

describe('endOf: how a push attempt is recorded', () => {
  it('an op the batch never started goes back as it was, its attempt refunded', () => {
    expect(endOf(res, op, undefined, false)).toEqual({
      id: 'op-1',
      status: 'pending',
      refund: true,
      sent: 0,
      failed: 0,
      note: 'earlier',
    });
  });

  it('one a stopping worker never started is refunded and handed on under a new generation', () => {
    expect(endOf(res, op, undefined, true)).toMatchObject({ status: 'pending', refund: true, bumpGeneration: true });
  });

  it('a wait refunds the attempt only when no request failed with an unknown outcome', () => {
    const wait: AttemptResult = { kind: 'wait', note: 'budget', err: null };
    expect(endOf(res, op, done(wait, 0, 0), false)).toMatchObject({ status: 'pending', refund: true });
    expect(endOf(res, op, done(wait, 1, 1), false)).toMatchObject({ status: 'pending', refund: false });
  });

  it('a released op keeps its attempt counted (a create that may have landed looks first next time)', () => {
    const end = endOf(res, op, done({ kind: 'released' }), false);
    expect(end).toMatchObject({ status: 'pending', bumpGeneration: true, sent: 1 });
    expect(end).not.toHaveProperty('refund');
  });

  it('a retry is pending again after the backoff; a refusal is recorded elsewhere (null)', () => {
    const retry = endOf(res, op, done({ kind: 'retry', note: '503', err: new Error('503') }), false);
    expect(retry).toMatchObject({ status: 'pending', note: '503' });
    expect((retry as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(1_000);
    expect((retry as { delayMs: number }).delayMs).toBeLessThanOrEqual(2_000);
    expect(endOf(res, op, done({ kind: 'rejected' }), false)).toBeNull();
    expect(endOf(res, op, done({ kind: 'failed', note: 'spent' }), false)).toMatchObject({ status: 'failed' });
  });
});

describe('providerBackoff', () => {
  const backoff = providerBackoff(1_000);
  it('doubles per attempt from the base, with jitter in the upper half, capped at a minute', () => {
    for (const [attempt, exp] of [
      [1, 1_000],
      [2, 2_000],
      [5, 16_000],
      [7, 60_000],
      [30, 60_000],
    ] as const)
      for (let i = 0; i < 50; i++) {
        const d = backoff(attempt);
        expect(d).toBeGreaterThanOrEqual(exp / 2);
        expect(d).toBeLessThanOrEqual(exp);
      }
  });

  it("a provider's longer Retry-After wins; a shorter one does not shorten the backoff", () => {
    const asks = (ms: number) => new TransientError('p', '429', 429, ms);
    expect(backoff(1, 'provider', asks(90_000))).toBe(90_000);
    expect(backoff(3, 'provider', asks(10))).toBeGreaterThanOrEqual(2_000);
  });
});
