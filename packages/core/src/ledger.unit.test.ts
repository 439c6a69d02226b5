import { describe, expect, it } from 'vitest';
import type { Canonical, Projection } from './canonical.ts';
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
const baseOf = (c: ConnectionPolicy, from: Canonical = agreed): Projection =>
  normalizeProjection(c.capabilities.project(from).projection);
/** A side agreed on `from` (the shared record unless told), with `edit` applied. */
const side = (c: ConnectionPolicy, edit: Partial<Projection>, from: Canonical = agreed): SideState => ({
  connectionId: c.id,
  externalId: `${c.id}-1`,
  base: baseOf(c, from),
  current: normalizeProjection({ ...baseOf(c, from), ...edit }),
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
  it("an entry added by one side is caused by that side's record, not by another holding other entries", () => {
    const input = {
      canonicalId: 'p1',
      canonical: agreed,
      sides: [side(A, {}), side(B, { emails: [email('ann@x.io', 'work'), email('b@x.io')] })],
    };
    const ctx = ctxOf([A, B]);
    expect(ledgerEntries(agreed, input, reconcileRecord(input, ctx), ctx.conflictPolicy)).toMatchObject([
      { field: 'emails', key: 'b@x.io', cause: { kind: 'provider', connectionId: 'b' } },
    ]);
  });
  it('a display name a side set itself keeps that side as its cause; one that followed the names takes theirs', () => {
    const named = canonicalOf({ ...agreed, displayName: 'Ann Lee' });
    const sideOf = (c: ConnectionPolicy, edit: Partial<Projection>) => side(c, edit, named);
    const ctx = ctxOf([A, B]);
    const causes = (sides: SideState[]) => {
      const input = { canonicalId: 'p1', canonical: named, sides };
      return Object.fromEntries(
        ledgerEntries(named, input, reconcileRecord(input, ctx), ctx.conflictPolicy).map((e) => [
          e.field,
          e.cause.kind === 'provider' ? e.cause.connectionId : e.cause.kind,
        ]),
      );
    };
    expect(causes([sideOf(A, { familyName: 'Lim' }), sideOf(B, { displayName: 'Ann L.' })])).toEqual({
      familyName: 'a',
      displayName: 'b',
    });
    expect(causes([sideOf(A, { familyName: 'Lim' }), sideOf(B, {})])).toEqual({ familyName: 'a', displayName: 'a' });
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

  it('an entry the run removed or relabelled is put back as it was, label included', () => {
    const run = runCells([
      { field: 'emails', key: 'ann@x.io', old: email('ann@x.io', 'work'), new: null },
      {
        field: 'phones',
        key: '+12125550100',
        old: { value: '+12125550100', label: 'mobile' },
        new: { value: '+12125550100', label: 'home' },
      },
    ]);
    const now = canonicalOf({ phones: [{ value: '+12125550100', label: 'home' }] });
    expect(planUndo(run, now, new Set()).reverts).toEqual([
      { field: 'emails', key: 'ann@x.io', entry: email('ann@x.io', 'work') },
      { field: 'phones', key: '+12125550100', entry: { value: '+12125550100', label: 'mobile' } },
    ]);
  });

  it('an entry compares by value and label (a missing label is no label); a scalar by its text', () => {
    const relabel = runCells([
      { field: 'emails', key: 'a@x.io', old: email('a@x.io', 'work'), new: email('a@x.io', null) },
    ]);
    // The record holds the entry without a label: what the run left, so it is reverted.
    const unlabelled = canonicalOf({ emails: [{ value: 'a@x.io' } as ReturnType<typeof email>] });
    expect(planUndo(relabel, unlabelled, new Set()).reverts).toEqual([
      { field: 'emails', key: 'a@x.io', entry: email('a@x.io', 'work') },
    ]);
    // Relabelled again since: a third label is neither old nor new, so it is a conflict.
    const other = canonicalOf({ emails: [email('a@x.io', 'home')] });
    expect(planUndo(relabel, other, new Set())).toMatchObject({ reverts: [], conflicts: [{ key: 'a@x.io' }] });
    const renamed = runCells([{ field: 'givenName', key: null, old: 'Ann', new: 'Anna' }]);
    expect(planUndo(renamed, canonicalOf({ givenName: 'Annie' }), new Set()).conflicts).toHaveLength(1);
  });
});
