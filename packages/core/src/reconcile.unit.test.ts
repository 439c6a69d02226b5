import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import { normalizeProjection } from './normalize.ts';
import { reconcileRecord } from './reconcile.ts';
import { flatDescriptor, fullDescriptor, methodsDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf, email, phone } from './test-support/fixtures.ts';
import type { ConnectionPolicy, ReconcileContext, SideState } from './types.ts';

const A = conn('a', fullDescriptor);
const B = conn('b', fullDescriptor);
const agreed = canonicalOf({
  givenName: 'Ann',
  familyName: 'Lee',
  emails: [email('ann@x.io', 'work')],
  phones: [phone('+12125550100', 'mobile')],
});
const baseOf = (c: ConnectionPolicy): Projection => normalizeProjection(c.capabilities.project(agreed).projection);

const side = (c: ConnectionPolicy, edit: Partial<Projection> | null, updatedAt: string | null = null): SideState => ({
  connectionId: c.id,
  externalId: `${c.id}-1`,
  base: baseOf(c),
  current: edit === null ? null : normalizeProjection({ ...baseOf(c), ...edit }),
  updatedAt,
});

const run = (sides: SideState[], ctx: ReconcileContext = ctxOf([A, B])) =>
  reconcileRecord({ canonicalId: 'p1', canonical: agreed, sides }, ctx);

describe('reconcileRecord: the named cases', () => {
  it('both sides edit different fields: both changes happen, each pushed to the other side only', () => {
    const r = run([side(A, { givenName: 'Anna' }), side(B, { title: 'CEO' })]);
    expect(r.canonical).toMatchObject({ givenName: 'Anna', title: 'CEO' });
    expect(r.conflicts).toEqual([]);
    expect(r.ops.map((o) => [o.connectionId, o.kind, o.changed])).toEqual([
      ['a', 'update', ['title']],
      ['b', 'update', ['givenName']],
    ]);
  });

  it('both edit the same field alike: taken, no conflict, no write, bases move', () => {
    const r = run([side(A, { givenName: 'Anna' }), side(B, { givenName: 'Anna' })]);
    expect(r.canonical?.givenName).toBe('Anna');
    expect(r.conflicts).toEqual([]);
    expect(r.ops).toEqual([]);
    expect(r.links.map((l) => [l.kind, l.connectionId])).toEqual([
      ['set-base', 'a'],
      ['set-base', 'b'],
    ]);
  });

  describe('both edit the same field differently', () => {
    const sides = () => [
      side(A, { givenName: 'Anna' }, '2025-02-02T00:00:00Z'),
      side(B, { givenName: 'Annie' }, '2025-02-01T00:00:00Z'),
    ];

    it('priority: the first connection of the order wins, and the conflict is recorded', () => {
      const r = run(sides(), ctxOf([A, B], { kind: 'priority', order: ['b', 'a'] }));
      expect(r.canonical?.givenName).toBe('Annie');
      expect(r.ops).toMatchObject([{ connectionId: 'a', kind: 'update', changed: ['givenName'] }]);
      expect(r.conflicts).toEqual([
        {
          kind: 'field',
          canonicalId: 'p1',
          field: 'givenName',
          key: null,
          base: 'Ann',
          sides: [
            { connectionId: 'a', externalId: 'a-1', value: 'Anna', updatedAt: '2025-02-02T00:00:00Z' },
            { connectionId: 'b', externalId: 'b-1', value: 'Annie', updatedAt: '2025-02-01T00:00:00Z' },
          ],
          chosen: 'Annie',
          rule: expect.stringContaining('b ranks first'),
          status: 'auto-resolved',
        },
      ]);
    });

    it('per-field priority overrides the general order', () => {
      const policy = { kind: 'priority' as const, order: ['a', 'b'], fields: { givenName: ['b'] } };
      const r = run(sides(), ctxOf([A, B], policy));
      expect(r.canonical?.givenName).toBe('Annie');
      expect(r.conflicts[0]?.rule).toContain('per-field priority for givenName');
    });

    it('newest: the later timestamp wins', () => {
      const r = run(sides(), ctxOf([A, B], { kind: 'newest' }));
      expect(r.canonical?.givenName).toBe('Anna');
      expect(r.ops).toMatchObject([{ connectionId: 'b', changed: ['givenName'] }]);
    });

    it('newest without timestamps falls back to the fallback order', () => {
      const M = conn('m', { ...fullDescriptor, hasTimestamps: false });
      const s = [
        { ...side(A, { givenName: 'Anna' }, '2025-02-02T00:00:00Z') },
        { ...side(M, { givenName: 'Annie' }), externalId: 'm-1' },
      ];
      const r = run(s, ctxOf([A, M], { kind: 'newest', fallback: ['m', 'a'] }));
      expect(r.canonical?.givenName).toBe('Annie');
      expect(r.conflicts[0]?.rule).toContain('fell back');
    });

    it('hold: keeps the agreed value, writes nothing for the field, stays open until resolved', () => {
      const ctx = ctxOf([A, B], { kind: 'hold' });
      const r = run([side(A, { givenName: 'Anna', title: 'CEO' }), side(B, { givenName: 'Annie' })], ctx);
      expect(r.canonical?.givenName).toBe('Ann');
      expect(r.conflicts).toMatchObject([{ field: 'givenName', status: 'open', chosen: 'Ann' }]);
      // b still gets a's title, but not a name it did not choose; a's base keeps the old name.
      expect(r.ops).toMatchObject([{ connectionId: 'b', changed: ['title'], target: { givenName: 'Annie' } }]);
      expect(r.ops[0]?.baseAfter?.givenName).toBe('Ann');
      const aBase = r.links.find((l) => l.connectionId === 'a');
      expect(aBase).toMatchObject({ kind: 'set-base', base: { givenName: 'Ann', title: 'CEO' } });
    });
  });

  it('an entry added on one side and another removed on a second side: both happen', () => {
    const r = run([side(A, { emails: [email('ann@x.io', 'work'), email('b@x.io', 'home')] }), side(B, { phones: [] })]);
    expect(r.canonical?.emails).toEqual([email('ann@x.io', 'work'), email('b@x.io', 'home')]);
    expect(r.canonical?.phones).toEqual([]);
    expect(r.conflicts).toEqual([]);
    expect(r.ops.map((o) => [o.connectionId, o.changed])).toEqual([
      ['a', ['phones']],
      ['b', ['emails']],
    ]);
  });

  it('a label change is a per-entry change; removal against relabel is a conflict, not a silent drop', () => {
    const r = run([side(A, { emails: [email('ann@x.io', 'home')] }), side(B, { emails: [] })]);
    expect(r.conflicts).toMatchObject([
      {
        field: 'emails',
        key: 'ann@x.io',
        sides: [{ value: { label: 'home' } }, { value: null }],
        chosen: { value: 'ann@x.io', label: 'home' },
      },
    ]);
  });

  it('record deleted on one side, edited on another: the edit wins and the record is re-created', () => {
    const r = run([side(A, null), side(B, { title: 'CEO' })]);
    expect(r.canonical?.title).toBe('CEO');
    expect(r.conflicts).toMatchObject([{ kind: 'delete-vs-edit', status: 'auto-resolved' }]);
    expect(r.links).toContainEqual({ kind: 'unlink', connectionId: 'a', externalId: 'a-1' });
    expect(r.ops).toMatchObject([{ connectionId: 'a', kind: 'create', target: { title: 'CEO', givenName: 'Ann' } }]);
    expect(r.report.map((e) => e.kind)).toContain('recreated');
  });

  it('record deleted on one side without edits elsewhere: propagated', () => {
    const r = run([side(A, null), side(B, {})]);
    expect(r.canonical).toBeNull();
    expect(r.ops).toMatchObject([{ connectionId: 'b', kind: 'delete', externalId: 'b-1', target: null }]);
  });

  it('delete policies unlink and ignore do not propagate', () => {
    for (const deletePolicy of ['unlink', 'ignore'] as const) {
      const A2 = conn('a', fullDescriptor, { deletePolicy });
      const r = run([side(A2, null), side(B, {})], ctxOf([A2, B]));
      expect(r.canonical).toEqual(agreed);
      expect(r.ops).toEqual([]);
      expect(r.links).toEqual(
        deletePolicy === 'unlink' ? [{ kind: 'detach', connectionId: 'a', externalId: 'a-1' }] : [],
      );
    }
  });

  it('mass-delete guard: a held delete plans no delete and touches nothing', () => {
    const r = run([{ ...side(A, null), deleteHeld: true }, side(B, {})]);
    expect(r.canonical).toEqual(agreed);
    expect(r.ops).toEqual([]);
    expect(r.report.map((e) => e.kind)).toEqual(['delete-held']);
  });

  it('email case change only: no change, no write', () => {
    const s = side(A, {});
    s.current = { ...s.current, emails: [{ value: 'ANN@X.IO ', label: 'Work' }] };
    const r = run([s, side(B, {})]);
    expect(r.ops).toEqual([]);
    expect(r.links).toEqual([]);
    expect(r.canonical).toEqual(agreed);
  });

  it('phone reformatted only (mapped through normalizePhone): no change, no write', async () => {
    const { normalizePhone } = await import('./normalize.ts');
    const s = side(A, {
      phones: [{ value: normalizePhone('(212) 555-0100', 'US').value, label: 'mobile', raw: '(212) 555-0100' }],
    });
    const r = run([s, side(B, {})]);
    expect(r.ops).toEqual([]);
    expect(r.canonical?.phones[0]?.value).toBe('+12125550100');
  });

  it('first sync with a lost base: identical values agree, different ones conflict, nothing is deleted', () => {
    const lost: SideState = {
      connectionId: 'b',
      externalId: 'b-9',
      base: null,
      current: normalizeProjection({
        givenName: 'Annie',
        familyName: 'Lee',
        emails: [email('ann@x.io', 'work')],
        phones: [],
      }),
      updatedAt: null,
    };
    const r = run([side(A, {}), lost]);
    expect(r.canonical?.phones).toEqual(agreed.phones);
    expect(r.canonical?.familyName).toBe('Lee');
    expect(r.conflicts).toMatchObject([{ field: 'givenName', chosen: 'Ann' }]);
    expect(r.ops).toMatchObject([{ connectionId: 'b', changed: ['givenName', 'phones'] }]);
  });

  it('a new person is created where the create policy and the provider allow, skipped with a reason elsewhere', () => {
    const F = conn('f', flatDescriptor);
    const N = conn('n', fullDescriptor, { createPolicy: 'skip' });
    const M = conn('m', methodsDescriptor);
    const src: SideState = {
      connectionId: 'a',
      externalId: 'a-7',
      base: null,
      current: normalizeProjection({ givenName: 'Bo', emails: [email('bo@x.io')] }),
      updatedAt: null,
    };
    const r = reconcileRecord({ canonicalId: 'p2', canonical: null, sides: [src] }, ctxOf([A, B, F, M, N]));
    expect(r.ops.map((o) => [o.connectionId, o.kind])).toEqual([['b', 'create']]);
    expect(r.report).toMatchObject([
      { kind: 'create-skipped', connectionId: 'f', message: expect.stringContaining('familyName, phones') },
    ]);
    expect(r.links).toMatchObject([{ kind: 'set-base', connectionId: 'a' }]);
  });

  it('pull-only connections receive nothing; push-only ones contribute nothing', () => {
    const P = conn('p', fullDescriptor, { direction: 'pull' });
    const Q = conn('q', fullDescriptor, { direction: 'push' });
    const ctx = ctxOf([A, P, Q]);
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: agreed,
        sides: [side(A, { title: 'CEO' }), side(P, {}), side(Q, { title: 'Boss' })],
      },
      ctx,
    );
    expect(r.canonical?.title).toBe('CEO');
    expect(r.conflicts).toEqual([]);
    expect(r.ops.map((o) => [o.connectionId, o.changed])).toEqual([['q', ['title']]]);
  });

  it('read-only fields contribute changes but are never written', () => {
    const M = conn('m', methodsDescriptor);
    const r = reconcileRecord(
      { canonicalId: 'p1', canonical: agreed, sides: [side(A, {}), side(M, { givenName: 'Anne' })] },
      ctxOf([A, M]),
    );
    expect(r.canonical?.givenName).toBe('Anne');
    expect(r.ops.map((o) => [o.connectionId, o.changed])).toEqual([['a', ['givenName']]]);
  });

  it('a provider with one slot keeps the entry it holds; the others are reported as omitted on writes', () => {
    const F = conn('f', flatDescriptor);
    const two = canonicalOf({ ...agreed, emails: [email('ann@x.io', 'work'), email('zed@x.io', null)] });
    const fside: SideState = {
      connectionId: 'f',
      externalId: 'f-1',
      base: normalizeProjection({
        givenName: 'Ann',
        familyName: 'Lee',
        emails: [email('zed@x.io')],
        phones: [phone('+12125550100')],
      }),
      current: normalizeProjection({
        givenName: 'Anne',
        familyName: 'Lee',
        emails: [email('zed@x.io')],
        phones: [phone('+12125550100')],
      }),
      updatedAt: null,
    };
    const r = reconcileRecord({ canonicalId: 'p1', canonical: two, sides: [fside] }, ctxOf([F]));
    expect(r.canonical?.givenName).toBe('Anne');
    expect(r.ops).toEqual([]);
    expect(r.links).toMatchObject([{ kind: 'set-base', base: { emails: [email('zed@x.io')] } }]);
  });
});

// Rules a mutation sweep of the core (each condition flipped in turn) found no test of.
describe('reconcileRecord: deletes that must not spread', () => {
  // The person stays, so the connection that lost the record is planned a create like any other.
  it('a record gone from a push-only connection deletes nothing elsewhere: its link is forgotten', () => {
    const Q = conn('q', fullDescriptor, { direction: 'push' });
    const r = run([side(A, {}), side(Q, null)], ctxOf([A, Q]));
    expect(r.canonical).toEqual(agreed);
    expect(r.ops.map((o) => [o.connectionId, o.kind])).toEqual([['q', 'create']]);
    expect(r.links).toEqual([{ kind: 'unlink', connectionId: 'q', externalId: 'q-1' }]);
    expect(r.report).toMatchObject([
      { kind: 'delete-unlinked', connectionId: 'q', message: expect.stringContaining('push-only') },
    ]);
  });

  it('a record gone with no agreed base (it was never agreed on) deletes nothing elsewhere', () => {
    const lost: SideState = { ...side(B, null), base: null };
    const r = run([side(A, {}), lost]);
    expect(r.canonical).toEqual(agreed);
    expect(r.ops.map((o) => [o.connectionId, o.kind])).toEqual([['b', 'create']]);
    expect(r.links).toEqual([{ kind: 'unlink', connectionId: 'b', externalId: 'b-1' }]);
    expect(r.report).toMatchObject([{ kind: 'delete-unlinked', message: expect.stringContaining('no agreed base') }]);
  });

  it('a propagated delete skips a pull-only connection and one that cannot delete: both are detached', () => {
    const P = conn('p', fullDescriptor, { direction: 'pull' });
    const M = conn('m', methodsDescriptor);
    const m: SideState = { ...side(M, {}), externalId: 'm-1' };
    const r = run([side(A, null), side(B, {}), side(P, {}), m], ctxOf([A, B, P, M]));
    expect(r.canonical).toBeNull();
    expect(r.ops.map((o) => [o.connectionId, o.kind])).toEqual([['b', 'delete']]);
    expect(r.links).toEqual(
      expect.arrayContaining([
        { kind: 'detach', connectionId: 'p', externalId: 'p-1' },
        { kind: 'detach', connectionId: 'm', externalId: 'm-1' },
      ]),
    );
    const notPropagated = r.report.filter((e) => e.kind === 'delete-not-propagated').map((e) => e.connectionId);
    expect(notPropagated.sort()).toEqual(['m', 'p']);
  });
});

describe('reconcileRecord: conflict policies at their edges', () => {
  it('newest: a later timestamp wins even against the fallback order', () => {
    const s = [
      side(A, { givenName: 'Anna' }, '2025-02-01T00:00:00Z'),
      side(B, { givenName: 'Annie' }, '2025-02-02T00:00:00Z'),
    ];
    const r = run(s, ctxOf([A, B], { kind: 'newest', fallback: ['a', 'b'] }));
    expect(r.canonical?.givenName).toBe('Annie');
    expect(r.conflicts[0]?.rule).toContain('newest change wins (2025-02-02T00:00:00Z)');
  });

  it('newest: the newest of a value’s several sides counts, and equal newest stamps fall back to the order', () => {
    const C = conn('c', fullDescriptor);
    const three = (stampB: string) => [
      side(A, { givenName: 'Anna' }, '2025-02-01T00:00:00Z'),
      side(B, { givenName: 'Annie' }, stampB),
      { ...side(C, { givenName: 'Anna' }, '2025-02-03T00:00:00Z'), externalId: 'c-1' },
    ];
    const ctx = ctxOf([A, B, C], { kind: 'newest', fallback: ['b', 'a', 'c'] });
    // 'Anna' is backed by a (Feb 1) and c (Feb 3): its newest change is Feb 3, later than b's Feb 2.
    expect(run(three('2025-02-02T00:00:00Z'), ctx).canonical?.givenName).toBe('Anna');
    const tied = run(three('2025-02-03T00:00:00Z'), ctx);
    expect(tied.canonical?.givenName).toBe('Annie');
    expect(tied.conflicts[0]?.rule).toContain('fell back');
  });

  it('priority: values whose best voters rank alike are settled by connection id, then by value', () => {
    // Neither x nor y is in the order: both rank last, the lower id wins (not the lower value)
    // whatever the sides' order.
    const X = conn('x', fullDescriptor);
    const Y = conn('y', fullDescriptor);
    const sx = { ...side(X, { givenName: 'Yara' }), externalId: 'x-1' };
    const sy = { ...side(Y, { givenName: 'Xena' }), externalId: 'y-1' };
    const ctx = ctxOf([X, Y], { kind: 'priority', order: ['a'] });
    expect(run([sx, sy], ctx).canonical?.givenName).toBe('Yara');
    expect(run([sy, sx], ctx).canonical?.givenName).toBe('Yara');
  });

  it('priority: a value backed by several unranked connections ranks by the lowest of their ids', () => {
    // 'Zoe' is backed by z and x, 'Yara' by y: x < y, so 'Zoe' wins, in any order of the sides.
    const [X, Y, Z] = ['x', 'y', 'z'].map((id) => conn(id, fullDescriptor));
    const of = (c: ConnectionPolicy, givenName: string) => ({ ...side(c, { givenName }), externalId: `${c.id}-1` });
    const ctx = ctxOf([X!, Y!, Z!], { kind: 'priority', order: ['a'] });
    for (const sides of [
      [of(Z!, 'Zoe'), of(X!, 'Zoe'), of(Y!, 'Yara')],
      [of(Y!, 'Yara'), of(X!, 'Zoe'), of(Z!, 'Zoe')],
    ])
      expect(run(sides, ctx).canonical?.givenName).toBe('Zoe');
  });

  it('priority: two records of one connection that disagree are settled by the value', () => {
    const X = conn('x', fullDescriptor);
    const one = { ...side(X, { givenName: 'Xena' }), externalId: 'x-1' };
    const two = { ...side(X, { givenName: 'Abby' }), externalId: 'x-2' };
    const ctx = ctxOf([X], { kind: 'priority', order: [] });
    expect(run([one, two], ctx).canonical?.givenName).toBe('Abby');
    expect(run([two, one], ctx).canonical?.givenName).toBe('Abby');
  });
});

describe('reconcileRecord: a first-sync proposal against an agreed value', () => {
  it('is a conflict settled by the policy: the proposer wins where its connection ranks first', () => {
    // b was never agreed with (no base) and holds another given name than the one a agreed on.
    const lost: SideState = { ...side(B, { givenName: 'Annie' }), base: null };
    const r = run([side(A, {}), lost], ctxOf([A, B], { kind: 'priority', order: ['b', 'a'] }));
    expect(r.canonical?.givenName).toBe('Annie');
    expect(r.conflicts).toMatchObject([
      { field: 'givenName', chosen: 'Annie', rule: expect.stringContaining('b ranks first') },
    ]);
    expect(r.ops.map((o) => [o.connectionId, o.changed])).toEqual([['a', ['givenName']]]);
  });
});

describe('reconcileRecord: what an op says it changes', () => {
  it('a create lists exactly the fields of its target', () => {
    const src: SideState = {
      connectionId: 'a',
      externalId: 'a-7',
      base: null,
      current: normalizeProjection({ givenName: 'Bo', familyName: 'Park', emails: [email('bo@x.io')] }),
      updatedAt: null,
    };
    const r = reconcileRecord({ canonicalId: 'p2', canonical: null, sides: [src] }, ctxOf([A, B]));
    const create = r.ops.find((o) => o.kind === 'create');
    expect(create?.changed.slice().sort()).toEqual(Object.keys(create?.target ?? {}).sort());
    expect(create?.changed.every((f) => typeof f === 'string')).toBe(true);
  });
});
