import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import type { CapabilityDescriptor } from './capabilities.ts';
import { normalizeProjection } from './normalize.ts';
import { reconcileRecord } from './reconcile.ts';
import { flatDescriptor, fullDescriptor, namedDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf } from './test-support/fixtures.ts';
import type { SideState } from './types.ts';

/** Like NodePing: a phone is held as "voice" or else "sms". */
const smsVoice: CapabilityDescriptor = {
  ...namedDescriptor,
  project: (c) => {
    const { projection, omitted } = namedDescriptor.project(c);
    return {
      projection: {
        ...projection,
        phones: projection.phones?.map((e) => ({ ...e, label: e.label === 'voice' ? 'voice' : 'sms' })),
      },
      omitted,
    };
  },
  labelFor: (field, label) => (field === 'phones' ? (label === 'voice' ? 'voice' : 'sms') : label),
};

const side = (id: string, current: Projection, base: Projection | null = null): SideState => ({
  connectionId: id,
  externalId: `${id}-1`,
  base: base && normalizeProjection(base),
  current: normalizeProjection(current),
  updatedAt: null,
});

describe('labels in each provider’s own vocabulary', () => {
  const FLAT = conn('flat', flatDescriptor);
  const NAMED = conn('named', smsVoice);
  const FULL = conn('full', fullDescriptor);
  const ctx = ctxOf([FLAT, NAMED, FULL]);

  it('first sync: an unlabelled, an sms and a work label on one number agree; nothing is written', () => {
    const number = (label: string | null) => [{ value: '+12125550100', label }];
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          side('flat', { givenName: 'Ann', familyName: 'Lee', emails: [], phones: number(null) }),
          side('named', { displayName: 'Ann Lee', phones: number('sms') }),
          side('full', { givenName: 'Ann', familyName: 'Lee', displayName: 'Ann Lee', phones: number('work') }),
        ],
      },
      ctx,
    );
    expect(r.canonical?.phones).toEqual([{ value: '+12125550100', label: 'work' }]);
    expect(r.conflicts).toEqual([]);
    expect(r.ops).toEqual([]);
  });

  it('a side that cannot tell the proposed label from the agreed one casts no vote for either', () => {
    // named renders home and work alike (sms): it neither proposes home nor defends work, even
    // ranked first; full's home is the only proposal, so it is taken.
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: canonicalOf({ displayName: 'Ann Lee', phones: [{ value: '+12125550100', label: 'work' }] }),
        sides: [
          side('named', { displayName: 'Ann Lee', phones: [{ value: '+12125550100', label: 'sms' }] }),
          side('full', { displayName: 'Ann Lee', phones: [{ value: '+12125550100', label: 'home' }] }),
        ],
      },
      ctxOf([NAMED, FULL], { kind: 'priority', order: ['named', 'full'] }),
    );
    expect(r.canonical?.phones).toEqual([{ value: '+12125550100', label: 'home' }]);
  });

  it('labels the vocabularies cannot reconcile still merge by the policy', () => {
    const number = (label: string | null) => [{ value: '+12125550100', label }];
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          side('named', { displayName: 'Ann Lee', phones: number('voice') }),
          side('full', { displayName: 'Ann Lee', phones: number('mobile') }),
        ],
      },
      ctxOf([NAMED, FULL]),
    );
    expect(r.conflicts).toMatchObject([{ field: 'phones', key: '+12125550100', chosen: { label: 'voice' } }]);
    expect(r.ops.map((o) => o.connectionId)).toEqual(['full']);
  });
});

describe('a display name made of the names follows them', () => {
  const FLAT = conn('flat', flatDescriptor);
  const NAMED = conn('named', namedDescriptor);
  it('a family name edited on one side reaches the side that holds only a display name', () => {
    const agreed = canonicalOf({ givenName: 'Jennifer', familyName: 'Scott', displayName: 'Jennifer Scott' });
    const flatBase = { givenName: 'Jennifer', familyName: 'Scott', emails: [], phones: [] };
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: agreed,
        sides: [
          side('flat', { ...flatBase, familyName: 'Edited' }, flatBase),
          side('named', { displayName: 'Jennifer Scott' }, { displayName: 'Jennifer Scott' }),
        ],
      },
      ctxOf([FLAT, NAMED]),
    );
    expect(r.canonical).toMatchObject({ familyName: 'Edited', displayName: 'Jennifer Edited' });
    expect(r.ops.map((o) => [o.connectionId, o.target?.displayName])).toEqual([['named', 'Jennifer Edited']]);
  });

  it('a middle name edited alone is followed too, in the display name that held it', () => {
    const FULL = conn('full', fullDescriptor);
    const names = { givenName: 'Ann', middleName: 'Marie', familyName: 'Lee', displayName: 'Ann Marie Lee' };
    const agreed = canonicalOf(names);
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: agreed,
        sides: [
          side('full', { ...names, middleName: 'May' }, names),
          side('named', { displayName: 'Ann Marie Lee' }, { displayName: 'Ann Marie Lee' }),
        ],
      },
      ctxOf([FULL, NAMED]),
    );
    expect(r.canonical).toMatchObject({ middleName: 'May', displayName: 'Ann May Lee' });
    expect(r.ops.find((o) => o.connectionId === 'named')?.target?.displayName).toBe('Ann May Lee');
  });

  it('held for review, a display name that follows the names takes their value; other held cells keep theirs', () => {
    const FULL = conn('full', fullDescriptor);
    const FULL2 = conn('full2', fullDescriptor);
    const names = { givenName: 'Ann', familyName: 'Lee', displayName: 'Ann Lee' };
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: canonicalOf(names),
        sides: [
          side('full', { ...names, givenName: 'Anna', familyName: 'Lim', displayName: 'X' }, names),
          side('full2', { ...names, givenName: 'Annie', displayName: 'Y' }, names),
        ],
      },
      ctxOf([FULL, FULL2], { kind: 'hold' }),
    );
    expect(r.canonical).toMatchObject({ givenName: 'Ann', familyName: 'Lim', displayName: 'Ann Lim' });
    expect(r.conflicts.map((c) => [c.field, c.status, c.chosen])).toEqual([
      ['givenName', 'open', 'Ann'],
      ['displayName', 'open', 'Ann Lim'],
    ]);
  });

  it('a display name that is not made of the names is left alone', () => {
    const agreed = canonicalOf({ givenName: 'Jennifer', familyName: 'Scott', displayName: 'Jen (on call)' });
    const flatBase = { givenName: 'Jennifer', familyName: 'Scott', emails: [], phones: [] };
    const r = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: agreed,
        sides: [side('flat', { ...flatBase, familyName: 'Edited' }, flatBase)],
      },
      ctxOf([FLAT]),
    );
    expect(r.canonical?.displayName).toBe('Jen (on call)');
  });
});

describe('values a provider holds but the engine would not write', () => {
  /** Like NodePing: an invalid e-mail is omitted from what the engine writes, but kept where held. */
  const strict: CapabilityDescriptor = {
    ...namedDescriptor,
    project: (c) => {
      const bad = c.emails.filter((e) => !e.value.includes('.'));
      return {
        projection: { ...namedDescriptor.project(c).projection, emails: c.emails.filter((e) => !bad.includes(e)) },
        omitted: bad.map((e) => ({ field: 'emails' as const, value: e.value, reason: 'invalid', keep: true })),
      };
    },
  };
  it('an invalid e-mail a record already holds is not deleted by the engine', () => {
    const S = conn('strict', strict);
    const held = {
      displayName: 'Ann',
      emails: [
        { value: 'ann@@x', label: null },
        { value: 'ann@x.io', label: null },
      ],
    };
    const r = reconcileRecord({ canonicalId: 'p1', canonical: null, sides: [side('strict', held)] }, ctxOf([S]));
    expect(r.ops).toEqual([]);
    // And a write for another reason carries it along rather than removing it.
    const F = conn('full', fullDescriptor);
    const r2 = reconcileRecord(
      {
        canonicalId: 'p1',
        canonical: null,
        sides: [
          side('strict', held),
          side('full', { displayName: 'Ann', phones: [{ value: '+12125550100', label: null }] }),
        ],
      },
      ctxOf([S, F]),
    );
    const update = r2.ops.find((o) => o.connectionId === 'strict');
    expect(update?.target?.emails?.map((e) => e.value)).toEqual(['ann@@x', 'ann@x.io']);
    expect(update?.changed).toEqual(['phones']);
  });
});
