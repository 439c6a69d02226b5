import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import { normalizeProjection } from './normalize.ts';
import { reconcileRecord } from './reconcile.ts';
import { applyResolution } from './resolve.ts';
import { flatDescriptor, fullDescriptor, namedDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf, email, phone } from './test-support/fixtures.ts';
import type { ReconcileInput, SideState } from './types.ts';

const A = conn('a', fullDescriptor);
const B = conn('b', fullDescriptor);
const _C = conn('c', fullDescriptor);
const agreed = canonicalOf({ givenName: 'Ann', emails: [email('ann@x.io', 'work'), email('old@x.io')] });
const base = normalizeProjection(fullDescriptor.project(agreed).projection);
const side = (id: string, edit: Projection): SideState => ({
  connectionId: id,
  externalId: `${id}-1`,
  base,
  current: normalizeProjection({ ...base, ...edit }),
  updatedAt: null,
});

describe('resolving a conflict by hand', () => {
  const hold = ctxOf([A, B], { kind: 'hold' });
  const input: ReconcileInput = {
    canonicalId: 'p1',
    canonical: agreed,
    sides: [side('a', { givenName: 'Anna' }), side('b', { givenName: 'Annie' })],
  };

  it('the chosen value flows out through the normal plan, and the conflict is gone', () => {
    expect(reconcileRecord(input, hold).conflicts).toMatchObject([{ status: 'open' }]);
    const r = reconcileRecord(applyResolution(input, { field: 'givenName', value: 'Annie' }), hold);
    expect(r.canonical?.givenName).toBe('Annie');
    expect(r.conflicts).toEqual([]);
    expect(r.ops).toMatchObject([
      { connectionId: 'a', kind: 'update', changed: ['givenName'], target: { givenName: 'Annie' } },
    ]);
  });

  it('an entered value that no side had also flows out to every side', () => {
    const r = reconcileRecord(applyResolution(input, { field: 'givenName', value: ' Ann  Marie ' }), hold);
    expect(r.canonical?.givenName).toBe('Ann Marie');
    expect(r.ops.map((o) => o.connectionId)).toEqual(['a', 'b']);
  });

  it('a set entry decision touches only that entry: another change in the same field still flows', () => {
    const sets: ReconcileInput = {
      canonicalId: 'p1',
      canonical: agreed,
      sides: [
        side('a', { emails: [email('ann@x.io', 'home'), email('old@x.io'), email('new@x.io')] }),
        side('b', { emails: [email('ann@x.io', 'other'), email('old@x.io')] }),
      ],
    };
    const resolved = applyResolution(sets, {
      field: 'emails',
      key: 'ann@x.io',
      entry: { value: 'ann@x.io', label: 'home' },
    });
    const r = reconcileRecord(resolved, hold);
    expect(r.conflicts).toEqual([]);
    expect(r.canonical?.emails).toEqual([email('ann@x.io', 'home'), email('new@x.io'), email('old@x.io')]);
    expect(r.ops).toMatchObject([{ connectionId: 'b', changed: ['emails'] }]);
  });
});

describe('resolving by removing an entry', () => {
  it('the entry goes from the canonical record and from every side that holds it', () => {
    // a removed old@, b relabelled it: removal against relabel is a conflict; the admin removes it.
    const removed: ReconcileInput = {
      canonicalId: 'p1',
      canonical: agreed,
      sides: [
        side('a', { emails: [email('ann@x.io', 'work')] }),
        side('b', { emails: [email('ann@x.io', 'work'), email('old@x.io', 'home')] }),
      ],
    };
    const ctx = ctxOf([A, B]);
    expect(reconcileRecord(removed, ctx).conflicts).toMatchObject([{ field: 'emails', key: 'old@x.io' }]);
    const r = reconcileRecord(applyResolution(removed, { field: 'emails', key: 'old@x.io', entry: null }), ctx);
    expect(r.canonical?.emails).toEqual([email('ann@x.io', 'work')]);
    expect(r.conflicts).toEqual([]);
    expect(r.ops).toMatchObject([
      { connectionId: 'b', changed: ['emails'], target: { emails: [email('ann@x.io', 'work')] } },
    ]);
  });
});

describe('idempotency keys', () => {
  it('are stable for the same plan and differ by target', () => {
    const s = [side('a', { givenName: 'Anna' }), side('b', {})];
    const r1 = reconcileRecord({ canonicalId: 'p1', canonical: agreed, sides: s }, ctxOf([A, B]));
    const r2 = reconcileRecord({ canonicalId: 'p1', canonical: agreed, sides: [...s].reverse() }, ctxOf([A, B]));
    expect(r1.ops[0]?.idempotencyKey).toBe(r2.ops[0]?.idempotencyKey);
    const r3 = reconcileRecord(
      { canonicalId: 'p1', canonical: agreed, sides: [side('a', { givenName: 'Annette' }), side('b', {})] },
      ctxOf([A, B]),
    );
    expect(r3.ops[0]?.idempotencyKey).not.toBe(r1.ops[0]?.idempotencyKey);
  });
});

describe('a decision reaches every provider that holds the field, display names included', () => {
  // Two flat contacts hold first/last names; a named contact holds only a display name made of them.
  const F1 = conn('f1', flatDescriptor);
  const F2 = conn('f2', flatDescriptor);
  const N = conn('n', namedDescriptor);
  const ctx = ctxOf([F1, F2, N], { kind: 'hold' });
  const carla = canonicalOf({
    givenName: 'Carla',
    familyName: 'Díaz',
    displayName: 'Carla Díaz',
    emails: [email('carla@x.io')],
    phones: [phone('+12125550100')],
  });
  const baseOf = (d: typeof flatDescriptor) => normalizeProjection(d.project(carla).projection);
  const at = (id: string, d: typeof flatDescriptor, edit: Projection): SideState => ({
    connectionId: id,
    externalId: `${id}-1`,
    base: baseOf(d),
    current: normalizeProjection({ ...baseOf(d), ...edit }),
    updatedAt: null,
  });
  const conflicted: ReconcileInput = {
    canonicalId: 'p-carla',
    canonical: carla,
    sides: [
      at('f1', flatDescriptor, { givenName: 'Carla-Sofia' }),
      at('f2', flatDescriptor, { givenName: 'Carla Sofia' }),
      at('n', namedDescriptor, {}),
    ],
  };

  it('before the decision nothing is written for the held field, not even the display name', () => {
    const r = reconcileRecord(conflicted, ctx);
    expect(r.conflicts).toMatchObject([{ field: 'givenName', status: 'open' }]);
    expect(r.ops).toEqual([]);
  });

  for (const [how, value, writes] of [
    ['an entered value', 'Carla-Sofia', ['f2', 'n']],
    ['a picked side', 'Carla Sofia', ['f1', 'n']],
    ['a value neither side had', 'Carla-Sofia', ['f2', 'n']],
  ] as const) {
    const resolution = { field: 'givenName', value } as const;
    it(`${how} flows out like a provider's change: the display name follows the names`, () => {
      const r = reconcileRecord(applyResolution(conflicted, resolution), ctx);
      expect(r.canonical).toMatchObject({ givenName: value, displayName: `${value} Díaz` });
      const byConn = Object.fromEntries(r.ops.map((o) => [o.connectionId, o]));
      expect(Object.keys(byConn).sort()).toEqual(writes);
      expect(byConn.n).toMatchObject({
        kind: 'update',
        changed: ['displayName'],
        target: { displayName: `${value} Díaz` },
      });
      expect(byConn[writes[0]]).toMatchObject({ target: { givenName: value } });
    });
  }
});
