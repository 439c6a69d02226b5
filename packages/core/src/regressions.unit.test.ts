import { describe, expect, it } from 'vitest';
import { emptyCanonical } from './canonical.ts';
import { buildWorld, type WorldSpec } from './test-support/arbitraries.ts';
import { applyEdit, applyResult, reconcileWorld } from './test-support/world.ts';

/** Shrunk counterexamples that fast-check found in the past, kept as plain example tests. */

const c = (p: Partial<WorldSpec['c0']>) => ({ ...emptyCanonical(), ...p });
const both = { direction: 'both', createPolicy: 'create', deletePolicy: 'propagate' } as const;
const spec = (p: Partial<WorldSpec>): WorldSpec => ({
  c0: c({}),
  other: c({}),
  conns: [],
  policy: 'priority',
  rank: [0, 0, 0, 0, 0],
  edits: [],
  ...p,
});

const twoRounds = (s: WorldSpec) => {
  const w = buildWorld(s);
  for (const e of s.edits) applyEdit(w, e);
  const r1 = reconcileWorld(w);
  applyResult(w, r1);
  return { w, r1, r2: reconcileWorld(w) };
};

describe('regressions found by the property tests', () => {
  it('hold on a first-sync label proposal is not forgotten after the base is stored', () => {
    const { r1, r2 } = twoRounds(
      spec({
        c0: c({ chats: [{ value: 'skype:ann', label: 'home' }] }),
        other: c({ chats: [{ value: 'skype:ann', label: null }] }),
        conns: [
          { desc: 'full', ...both, state: 'lost' },
          { desc: 'methods', ...both, state: 'linked' },
        ],
        policy: 'hold',
      }),
    );
    expect(r1.conflicts).toMatchObject([{ field: 'chats', key: 'skype:ann', status: 'open' }]);
    expect(r2.ops).toEqual([]);
    expect(r2.conflicts).toMatchObject([{ field: 'chats', key: 'skype:ann', status: 'open' }]);
  });

  it('a required field the canonical record lost is kept and reported, not written empty', () => {
    const { r1, r2 } = twoRounds(
      spec({
        c0: c({ familyName: 'Ann' }),
        conns: [
          { desc: 'methods', ...both, state: 'linked' },
          { desc: 'flat', ...both, state: 'linked' },
        ],
        edits: [{ kind: 'set', conn: 0, field: 'familyName', value: null }],
      }),
    );
    expect(r1.report).toMatchObject([{ kind: 'required-kept', connectionId: 'c1', field: 'familyName' }]);
    expect(r1.ops).toEqual([]);
    expect(r2.ops).toEqual([]);
  });

  it('a first-sync value equal to the agreed one is agreement: a later edit elsewhere wins without conflict', () => {
    const { r1 } = twoRounds(
      spec({
        c0: c({ displayName: 'Bob' }),
        other: c({ displayName: 'Bob' }),
        conns: [
          { desc: 'full', ...both, state: 'linked' },
          { desc: 'full', ...both, state: 'lost' },
        ],
        edits: [{ kind: 'set', conn: 0, field: 'displayName', value: 'Ann' }],
      }),
    );
    expect(r1.canonical?.displayName).toBe('Ann');
    expect(r1.conflicts).toEqual([]);
  });

  it('a held entry on a one-slot provider keeps that provider within its capacity', () => {
    const { r2 } = twoRounds(
      spec({
        other: c({ emails: [{ value: 'a@x.io', label: 'work' }] }),
        conns: [
          { desc: 'methods', ...both, state: 'linked' },
          { desc: 'flat', ...both, state: 'lost' },
          { desc: 'methods', ...both, state: 'lost' },
        ],
        policy: 'hold',
        edits: [{ kind: 'add', conn: 0, field: 'emails', value: 'b@x.io', label: 'home' }],
      }),
    );
    expect(r2.ops).toEqual([]);
    // The flat side holds no labels (labelFor), so its unlabelled a@x.io agrees with 'work':
    // the label conflict this case once held is no conflict at all.
    expect(r2.conflicts).toHaveLength(0);
  });

  it('a held first-sync proposal does not make a pull-only side resurrect entries deleted elsewhere', () => {
    const { r1, r2 } = twoRounds(
      spec({
        c0: c({ emails: [{ value: 'b@x.io', label: null }] }),
        other: c({
          emails: [
            { value: 'a@x.io', label: 'home' },
            { value: 'b@x.io', label: null },
          ],
        }),
        conns: [
          { desc: 'methods', ...both, state: 'linked' },
          { desc: 'flat', ...both, state: 'lost' },
          { desc: 'methods', ...both, direction: 'pull', state: 'lost' },
        ],
        policy: 'hold',
        edits: [{ kind: 'remove', conn: 0, field: 'emails', index: 0 }],
      }),
    );
    // b@x.io, removed on the linked side, stays removed; a@x.io, which both base-less sides hold
    // (the flat one unlabelled, which agrees with 'home'), is added as a first-sync proposal.
    expect(r1.canonical?.emails).toEqual([{ value: 'a@x.io', label: 'home' }]);
    expect(r2.canonical?.emails).toEqual([{ value: 'a@x.io', label: 'home' }]);
    expect(r2.ops.flatMap((o) => o.target?.emails?.map((e) => e.value) ?? [])).not.toContain('b@x.io');
  });

  it('a base-less side that cannot tell a proposed label from the agreed one is not held, so its base stays put', () => {
    const { r1, r2 } = twoRounds(
      spec({
        c0: c({ emails: [{ value: 'a@x.io', label: null }] }),
        other: c({ emails: [{ value: 'a@x.io', label: 'work' }] }),
        conns: [
          { desc: 'methods', ...both, state: 'lost' },
          { desc: 'flat', ...both, state: 'lost' },
          { desc: 'full', ...both, state: 'absent' },
        ],
        policy: 'hold',
      }),
    );
    // Only the methods side proposes 'work'; the flat one holds no labels and proposes nothing.
    expect(r1.conflicts).toMatchObject([{ field: 'emails', key: 'a@x.io', status: 'open' }]);
    expect(r1.links).toContainEqual(
      expect.objectContaining({
        connectionId: 'c1',
        base: expect.objectContaining({ emails: [{ value: 'a@x.io', label: null }] }),
      }),
    );
    // Once the full side holds the entry unlabelled, the flat side reads as agreeing: nothing to rewrite.
    expect(r2.ops).toEqual([]);
    expect(r2.links).toEqual([]);
    expect(r2.conflicts).toMatchObject([{ field: 'emails', key: 'a@x.io', status: 'open' }]);
  });

  it('a display name held for review that follows the names to the value proposed settles the conflict', () => {
    const { r1, r2 } = twoRounds(
      spec({
        c0: c({ familyName: 'Bob', displayName: 'Bob' }),
        other: c({ displayName: 'Ann' }),
        conns: [
          { desc: 'methods', ...both, state: 'linked' },
          { desc: 'named', ...both, state: 'lost' },
        ],
        policy: 'hold',
        edits: [{ kind: 'set', conn: 0, field: 'familyName', value: 'Ann' }],
      }),
    );
    // The family name became Ann, the display name follows it: the named side's proposal, agreed.
    expect(r1.canonical?.displayName).toBe('Ann');
    expect(r1.conflicts).toEqual([]);
    expect(r1.links).toContainEqual(
      expect.objectContaining({ connectionId: 'c1', base: expect.objectContaining({ displayName: 'Ann' }) }),
    );
    expect(r2.links).toEqual([]);
    expect(r2.ops).toEqual([]);
  });
});
