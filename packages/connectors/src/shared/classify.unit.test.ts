import { describe, expect, it } from 'vitest';
import { NotFoundError, PermanentError, TransientError } from '../errors.ts';
import { classifyStatus } from './classify.ts';

const details = { message: 'nope', field: 'email' };
const kindOf = (status: number) => {
  const e = classifyStatus('p', status, details, null);
  return e instanceof NotFoundError
    ? 'gone'
    : e instanceof TransientError
      ? `transient${e.mayHaveApplied ? ', may have applied' : ''}`
      : e instanceof PermanentError
        ? 'permanent'
        : 'other';
};

describe('classifyStatus', () => {
  it('408, 425, 429 and 5xx are transient; only a 429 was certainly not applied', () => {
    expect([408, 425, 429, 500, 502, 503, 599].map(kindOf)).toEqual([
      'transient, may have applied',
      'transient, may have applied',
      'transient',
      'transient, may have applied',
      'transient, may have applied',
      'transient, may have applied',
      'transient, may have applied',
    ]);
  });

  it('404 and 410 mean gone; every other 4xx is permanent, credentials included', () => {
    expect([404, 410].map(kindOf)).toEqual(['gone', 'gone']);
    expect([400, 401, 403, 409, 422, 499].map(kindOf)).toEqual(Array(6).fill('permanent'));
  });

  it("a permanent refusal carries the provider's message and field; a transient one its Retry-After", () => {
    expect(classifyStatus('p', 422, details, null)).toMatchObject({ message: 'nope', field: 'email', status: 422 });
    expect(classifyStatus('p', 429, details, 2_000)).toMatchObject({ retryAfterMs: 2_000, status: 429 });
  });
});
