import { describe, expect, it } from 'vitest';
import { type Candidate, chooseByPolicy, massDeleteGuard } from './policies.ts';

const cand = (sortKey: string, ...voters: [string, string | null][]): Candidate => ({
  sortKey,
  voters: voters.map(([connectionId, updatedAt]) => ({ connectionId, updatedAt })),
});
const reversed = <T>(xs: readonly T[]): T[] => [...xs].reverse();

describe('chooseByPolicy', () => {
  const priority = { kind: 'priority' as const, order: ['a'] };

  it('priority: unranked values are settled by the lowest connection id among each one’s voters', () => {
    // 'zoe' is backed by z and x (voters in any order), 'yara' by y: x < y.
    const cands = [cand('zoe', ['z', null], ['x', null]), cand('yara', ['y', null])];
    expect(cands[chooseByPolicy(priority, 'givenName', cands).index!]?.sortKey).toBe('zoe');
    const other = reversed(cands);
    expect(other[chooseByPolicy(priority, 'givenName', other).index!]?.sortKey).toBe('zoe');
    expect(chooseByPolicy(priority, 'givenName', cands).rule).toContain('x ranks first');
    const xFirst = [cand('zoe', ['x', null], ['z', null]), cand('yara', ['y', null])];
    expect(chooseByPolicy(priority, 'givenName', xFirst).index).toBe(0);
  });

  it('priority: values backed by the same best connection are settled by the value', () => {
    const cands = [cand('xena', ['x', null]), cand('abby', ['x', null])];
    expect(cands[chooseByPolicy(priority, 'givenName', cands).index!]?.sortKey).toBe('abby');
    const other = reversed(cands);
    expect(other[chooseByPolicy(priority, 'givenName', other).index!]?.sortKey).toBe('abby');
  });

  it('priority: a ranked connection beats any unranked one, whatever the ids', () => {
    const cands = [cand('aaron', ['b', null]), cand('zed', ['z', null], ['a', null])];
    expect(cands[chooseByPolicy(priority, 'givenName', cands).index!]?.sortKey).toBe('zed');
  });

  it('newest: each value counts its newest voter; equal newest stamps fall back to the order', () => {
    const newest = { kind: 'newest' as const, fallback: ['b'] };
    const cands = [cand('v1', ['a', '2025-01-01'], ['c', '2025-03-01']), cand('v2', ['b', '2025-02-01'])];
    expect(chooseByPolicy(newest, 'title', cands)).toMatchObject({ index: 0, rule: 'newest change wins (2025-03-01)' });
    const tied = [cand('v1', ['a', '2025-03-01']), cand('v2', ['b', '2025-03-01'])];
    expect(chooseByPolicy(newest, 'title', tied)).toMatchObject({ index: 1, rule: expect.stringContaining('tied') });
    const missing = [cand('v1', ['a', '2025-03-01']), cand('v2', ['b', null])];
    expect(chooseByPolicy(newest, 'title', missing).index).toBe(1);
  });
});

describe('massDeleteGuard', () => {
  it('an account that held nothing: nothing vanished is share 0, anything vanished is share 1 and held', () => {
    expect(massDeleteGuard({ total: 0, vanished: 0, listed: 0, threshold: 0.5 })).toEqual({ held: false, share: 0 });
    expect(massDeleteGuard({ total: 0, vanished: 2, listed: 5, threshold: 0.5 })).toEqual({ held: true, share: 1 });
  });

  it('holds above the threshold only, and always when the pull listed nothing', () => {
    expect(massDeleteGuard({ total: 10, vanished: 5, listed: 5, threshold: 0.5 })).toEqual({ held: false, share: 0.5 });
    expect(massDeleteGuard({ total: 10, vanished: 6, listed: 4, threshold: 0.5 }).held).toBe(true);
    expect(massDeleteGuard({ total: 10, vanished: 1, listed: 0, threshold: 0.5 }).held).toBe(true);
    expect(massDeleteGuard({ total: 10, vanished: 0, listed: 0, threshold: 0.5 }).held).toBe(false);
  });
});
