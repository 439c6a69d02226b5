import { describe, expect, it } from 'vitest';
import { isConnectionError } from './client.ts';

describe('isConnectionError', () => {
  it('knows the ways a Postgres restart reaches a client', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('terminating connection due to administrator command'),
      // pg, when a transaction's connection died under it (seen during a restart)
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '57P01' }) }),
    ])
      expect(isConnectionError(err)).toBe(true);
  });

  it('is false for an ordinary query error', () => {
    expect(isConnectionError(Object.assign(new Error('duplicate key value'), { code: '23505' }))).toBe(false);
    expect(isConnectionError(new Error('column "x" does not exist'))).toBe(false);
  });
});
