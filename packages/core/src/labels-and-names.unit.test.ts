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
