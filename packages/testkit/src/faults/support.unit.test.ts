import { describe, expect, it } from 'vitest';
import { duplicates, normalizeState, type States, stateDiff } from './support.ts';

// The checkers the fault runs rely on must themselves be able to fail.
const states = (churchpad: object[], nodeping: object[] = []): States => ({
  ilert: [],
  churchpad: churchpad.map((r) => JSON.stringify(normalizeState(r))).sort(),
  nodeping: nodeping.map((r) => JSON.stringify(normalizeState(r))).sort(),
  growcrm: [],
  'r-service': [],
});

describe('fault-run checkers', () => {
  it('normalizeState drops ids and timestamps, turns id-keyed maps into sorted lists', () => {
    const a = { id: 'x1', updated_at: '1', name: 'A', addresses: { AB12CD34: { a: 2 }, ZZ99YY88: { a: 1 } } };
    const b = { id: 'y2', updated_at: '2', name: 'A', addresses: { QQ11WW22: { a: 1 }, RR33TT44: { a: 2 } } };
    expect(normalizeState(a)).toEqual(normalizeState(b));
    expect(normalizeState({ ...a, name: 'B' })).not.toEqual(normalizeState(b));
  });

  it('stateDiff reports missing and extra records, counting repeats', () => {
    const ref = states([{ email: 'a@x.io' }, { email: 'b@x.io' }]);
    expect(stateDiff(ref, states([{ email: 'b@x.io' }, { email: 'a@x.io' }]))).toEqual([]);
    const diff = stateDiff(ref, states([{ email: 'a@x.io' }, { email: 'a@x.io' }]));
    expect(diff).toHaveLength(1);
    expect(diff[0]!.missing).toHaveLength(1);
    expect(diff[0]!.extra).toHaveLength(1);
  });

  it('duplicates flags an e-mail held by more records than in the reference, any case', () => {
    const ref = states([{ email: 'a@x.io' }, { email: 'A@X.io', dup: true }, { email: 'b@x.io' }]);
    expect(duplicates(ref, ref)).toEqual([]);
    expect(duplicates(ref, states([{ email: 'b@x.io' }, { email: 'B@x.io', other: 1 }]))).toEqual([
      { provider: 'churchpad', email: 'b@x.io', count: 2, reference: 1 },
    ]);
  });

  it('a copy in another NodePing sub-account is not a duplicate', () => {
    const ref = states([], [{ customer_id: 'C1', e: 'a@x.io' }]);
    const act = states(
      [],
      [
        { customer_id: 'C1', e: 'a@x.io' },
        { customer_id: 'C2', e: 'a@x.io' },
      ],
    );
    expect(duplicates(ref, act)).toEqual([]);
    expect(
      duplicates(
        ref,
        states(
          [],
          [
            { customer_id: 'C1', e: 'a@x.io' },
            { customer_id: 'C1', e: 'a@x.io', n: 2 },
          ],
        ),
      ),
    ).toHaveLength(1);
  });
});
