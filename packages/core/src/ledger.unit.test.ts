import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import { diffCanonical, ledgerEntries } from './ledger.ts';
import { normalizeProjection } from './normalize.ts';
import { reconcileRecord } from './reconcile.ts';
import { fullDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf, email } from './test-support/fixtures.ts';
import type { ConnectionPolicy, SideState } from './types.ts';
import { cellId, planUndo, runCells } from './undo.ts';

const A = conn('a', fullDescriptor);
const B = conn('b', fullDescriptor);
const agreed = canonicalOf({ givenName: 'Ann', familyName: 'Lee', emails: [email('ann@x.io', 'work')] });
const baseOf = (c: ConnectionPolicy): Projection => normalizeProjection(c.capabilities.project(agreed).projection);
const side = (c: ConnectionPolicy, edit: Partial<Projection>): SideState => ({
  connectionId: c.id,
  externalId: `${c.id}-1`,
  base: baseOf(c),
  current: normalizeProjection({ ...baseOf(c), ...edit }),
  updatedAt: null,
});

describe('diffCanonical', () => {
  it('lists each changed scalar and each added, removed or relabelled set entry, nothing else', () => {
    const after = canonicalOf({
      givenName: 'Ann',
      familyName: 'Lim',
      emails: [email('ann@x.io', 'home'), email('a@y.io', null)],
    });
    expect(diffCanonical(agreed, after)).toEqual([
      { field: 'familyName', key: null, old: 'Lee', new: 'Lim' },
      { field: 'emails', key: 'ann@x.io', old: email('ann@x.io', 'work'), new: email('ann@x.io', 'home') },
      { field: 'emails', key: 'a@y.io', old: null, new: email('a@y.io', null) },
    ]);
    expect(diffCanonical(agreed, agreed)).toEqual([]);
  });
  it('a new person is a change of every non-empty field from nothing', () => {
    expect(diffCanonical(null, agreed).map((c) => [c.field, c.old])).toEqual([
      ['givenName', null],
      ['familyName', null],
      ['emails', null],
    ]);
  });
});

describe('ledgerEntries: the cause the merge knows', () => {
  it("a provider's edit is caused by that provider's record", () => {
    const input = { canonicalId: 'p1', canonical: agreed, sides: [side(A, { familyName: 'Lim' }), side(B, {})] };
    const result = reconcileRecord(input, ctxOf([A, B]));
    expect(ledgerEntries(agreed, input, result, { kind: 'priority', order: ['a', 'b'] })).toEqual([
      {
        canonicalId: 'p1',
        field: 'familyName',
        key: null,
        old: 'Lee',
        new: 'Lim',
        cause: { kind: 'provider', connectionId: 'a', externalId: 'a-1' },
      },
    ]);
  });
  it('two sides disagreeing: the conflict rule and its policy are the cause', () => {
    const input = {
      canonicalId: 'p1',
      canonical: agreed,
      sides: [side(A, { familyName: 'Lim' }), side(B, { familyName: 'Low' })],
    };
    const ctx = ctxOf([A, B]);
    const [e] = ledgerEntries(agreed, input, reconcileRecord(input, ctx), ctx.conflictPolicy);
    expect(e).toMatchObject({ field: 'familyName', new: 'Lim', cause: { kind: 'conflict', policy: 'priority' } });
  });
  it('nothing changed: no entry', () => {
    const input = { canonicalId: 'p1', canonical: agreed, sides: [side(A, {}), side(B, {})] };
    expect(ledgerEntries(agreed, input, reconcileRecord(input, ctxOf([A, B])), { kind: 'hold' })).toEqual([]);
  });
});

describe('planUndo', () => {
  const cells = runCells([
    { field: 'familyName', key: null, old: 'Lee', new: 'Bad' },
    { field: 'familyName', key: null, old: 'Bad', new: 'Worse' },
    { field: 'emails', key: 'x@y.io', old: null, new: email('x@y.io', null) },
  ]);
  it('the first old and the last new of each cell', () => {
    expect(cells[0]).toEqual({ field: 'familyName', key: null, old: 'Lee', new: 'Worse' });
  });
  it('reverts cells nobody touched since', () => {
    const now = canonicalOf({ familyName: 'Worse', emails: [email('x@y.io', null)] });
    expect(planUndo(cells, now, new Set())).toEqual({
      reverts: [
        { field: 'familyName', value: 'Lee' },
        { field: 'emails', key: 'x@y.io', entry: null },
      ],
      conflicts: [],
    });
  });
  it('a cell changed since becomes a conflict, not an overwrite', () => {
    const now = canonicalOf({ familyName: 'Fixed', emails: [email('x@y.io', null)] });
    const plan = planUndo(cells, now, new Set([cellId('familyName', null)]));
    expect(plan.reverts).toEqual([{ field: 'emails', key: 'x@y.io', entry: null }]);
    expect(plan.conflicts).toEqual([{ field: 'familyName', key: null, old: 'Lee', new: 'Worse', now: 'Fixed' }]);
  });
  it('a cell already back at its old value needs nothing', () => {
    expect(planUndo(cells, canonicalOf({ familyName: 'Lee' }), new Set())).toEqual({ reverts: [], conflicts: [] });
  });
});
