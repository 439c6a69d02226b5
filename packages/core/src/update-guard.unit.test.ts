import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, type FieldKey } from './canonical.ts';
import { DEFAULT_UPDATE_GUARD, type GuardedUpdate, guardKey, trippedFields, updateGuard } from './update-guard.ts';

const limits = DEFAULT_UPDATE_GUARD;

describe('updateGuard (blast radius of one reconcile pass)', () => {
  it('holds more than 20% of a connection once at least 10 records change', () => {
    expect(updateGuard({ changed: 40, total: 40, limits }).held).toBe(true);
    expect(updateGuard({ changed: 21, total: 100, limits }).held).toBe(true);
    expect(updateGuard({ changed: 20, total: 100, limits }).held).toBe(false); // exactly the share: allowed
    expect(updateGuard({ changed: 9, total: 9, limits }).held).toBe(false); // below the minimum
    expect(updateGuard({ changed: 10, total: 10, limits }).held).toBe(true);
    expect(updateGuard({ changed: 0, total: 0, limits }).held).toBe(false);
    expect(updateGuard({ changed: 12, total: 0, limits })).toEqual({ held: true, share: 1 });
  });

  it('is monotone: more changes of the same account never un-hold, a larger account never holds sooner', () => {
    fc.assert(
      fc.property(
        fc.nat(2000),
        fc.nat(2000),
        fc.nat(50),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(40),
        (changed, total, more, share, minimum) => {
          const l = { share, minimum };
          const a = updateGuard({ changed, total, limits: l }).held;
          if (a) expect(updateGuard({ changed: changed + more, total, limits: l }).held).toBe(true);
          if (!a && total > 0) expect(updateGuard({ changed, total: total + more, limits: l }).held).toBe(false);
          expect(updateGuard({ changed, total, limits: l }).share).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('never holds below the minimum, always holds a whole account at or above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 60 }), (total, minimum) => {
        const l = { share: 0.2, minimum };
        expect(updateGuard({ changed: Math.min(total, minimum - 1), total, limits: l }).held).toBe(false);
        if (total >= Math.max(1, minimum)) expect(updateGuard({ changed: total, total, limits: l }).held).toBe(true);
      }),
    );
  });
});

describe('trippedFields', () => {
  const upd = (connectionId: string, changed: FieldKey[], agreed = true): GuardedUpdate => ({
    connectionId,
    changed,
    agreed,
  });
  const totals = new Map([
    ['a', 40],
    ['b', 200],
  ]);

  it('counts per connection and field: an upper-cased family name trips where it is a large share', () => {
    const ups = Array.from({ length: 40 }, (_, i) => [
      upd('a', ['familyName', ...(i < 3 ? (['phones'] as FieldKey[]) : [])]),
      upd('b', ['familyName']),
    ]).flat();
    expect(trippedFields(ups, totals, () => limits)).toEqual([
      { connectionId: 'a', field: 'familyName', changed: 40, total: 40, share: 1 },
    ]);
  });

  it('ignores records that never agreed (a first sync fills them in) and uses each connection its own limits', () => {
    const ups = Array.from({ length: 40 }, () => upd('a', ['organization'], false));
    expect(trippedFields(ups, totals, () => limits)).toEqual([]);
    const some = Array.from({ length: 30 }, () => upd('b', ['givenName']));
    expect(trippedFields(some, totals, () => limits)).toEqual([]); // 15% of b
    expect(trippedFields(some, totals, (c) => (c === 'b' ? { share: 0.1, minimum: 5 } : limits))).toHaveLength(1);
  });

  it('adds what earlier batches of the pass counted', () => {
    const ups = Array.from({ length: 10 }, () => upd('b', ['givenName']));
    expect(trippedFields(ups, totals, () => limits)).toEqual([]);
    const counted = new Map([[guardKey('b', 'givenName'), 35]]);
    expect(trippedFields(ups, totals, () => limits, counted)).toEqual([
      { connectionId: 'b', field: 'givenName', changed: 45, total: 200, share: 0.225 },
    ]);
  });

  it('does not depend on the order of the updates', () => {
    const arbUp = fc.record({
      connectionId: fc.constantFrom('a', 'b'),
      changed: fc.subarray([...FIELDS] as FieldKey[], { minLength: 1 }),
      agreed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbUp, { maxLength: 120 }), (ups) => {
        const t = (xs: GuardedUpdate[]) => trippedFields(xs, totals, () => ({ share: 0.05, minimum: 3 }));
        expect(t([...ups].reverse())).toEqual(t(ups));
      }),
    );
  });
});
