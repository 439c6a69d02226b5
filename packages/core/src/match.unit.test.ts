import { describe, expect, it } from 'vitest';
import { type MatchCandidate, matchKeys, matchRecord } from './match.ts';
import { normalizeProjection } from './normalize.ts';
import { reconcileRecord } from './reconcile.ts';
import { fullDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf, email, phone } from './test-support/fixtures.ts';

const ann: MatchCandidate = {
  canonicalId: 'p-ann',
  canonical: canonicalOf({ emails: [email('ann@x.io')], phones: [phone('+12125550100')] }),
  linkedConnections: ['a'],
};
const bob: MatchCandidate = {
  canonicalId: 'p-bob',
  canonical: canonicalOf({ emails: [email('bob@x.io')], phones: [phone('+12125550100')] }),
  linkedConnections: ['a'],
};
const rec = (p: Parameters<typeof normalizeProjection>[0], connectionId = 'b') => ({
  connectionId,
  externalId: 'x1',
  projection: normalizeProjection(p),
  updatedAt: null,
});

describe('matching an unlinked record', () => {
  it('keys: normalized, deduped emails, and phones by their national digits', () => {
    expect(
      matchKeys({
        emails: [email('A@x.io'), email('a@x.io ')],
        phones: [phone('+12125550100'), phone('2125550100'), phone('07431235250')],
      }),
    ).toEqual({ emails: ['a@x.io'], phones: ['2125550100', '7431235250'] });
  });

  it('by phone: one number in E.164 and without its country code finds the same person', () => {
    const national = rec({ emails: [email('other@y.io')], phones: [phone('7431235250')] });
    const lisa = {
      ...ann,
      canonicalId: 'p-lisa',
      canonical: { ...ann.canonical, emails: [], phones: [phone('+447431235250')] },
    };
    expect(matchRecord(national, [lisa])).toEqual({ kind: 'link', canonicalId: 'p-lisa', by: 'phone' });
  });

  it("by phone: two countries' numbers with the same national digits are two numbers", () => {
    // +49 30 3008082 (Berlin) and +81 3 0300 8082 (Tokyo) share the national digits 303008082.
    const tokyo = rec({ emails: [email('other@y.io')], phones: [phone('+81303008082')] });
    const berlin = {
      ...ann,
      canonicalId: 'p-berlin',
      canonical: { ...ann.canonical, emails: [], phones: [phone('+49303008082')] },
    };
    expect(matchKeys(tokyo.projection).phones).toEqual(matchKeys(berlin.canonical).phones);
    expect(matchRecord(tokyo, [berlin])).toEqual({ kind: 'new' });
    // Without its country code the number may be either: it still finds the one person holding it.
    const bare = rec({ emails: [email('other@y.io')], phones: [phone('303008082')] });
    expect(matchRecord(bare, [berlin])).toEqual({ kind: 'link', canonicalId: 'p-berlin', by: 'phone' });
  });

  it('by email first: one candidate links even when the phone is shared', () => {
    expect(matchRecord(rec({ emails: [email('ANN@x.io')], phones: [phone('+12125550100')] }), [ann, bob])).toEqual({
      kind: 'link',
      canonicalId: 'p-ann',
      by: 'email',
    });
  });

  it('then by phone; several candidates are an ambiguous match for review, never a guess', () => {
    const r = matchRecord(rec({ emails: [email('new@x.io')], phones: [phone('+12125550100')] }), [bob, ann]);
    expect(r).toMatchObject({
      kind: 'conflict',
      conflict: { kind: 'ambiguous-match', status: 'open', candidates: ['p-ann', 'p-bob'], chosen: null },
    });
  });

  it('no candidate: a new canonical record', () => {
    expect(matchRecord(rec({ emails: [email('zed@x.io')] }), [ann, bob])).toEqual({ kind: 'new' });
  });

  describe('a person split into two by a provider', () => {
    it('the new record matching a person already linked in the same connection is flagged, not linked', () => {
      const r = matchRecord(rec({ phones: [phone('+12125550100')] }, 'a'), [ann]);
      expect(r).toMatchObject({ kind: 'conflict', conflict: { kind: 'duplicate-in-provider', canonicalId: 'p-ann' } });
    });

    it('once the original record dropped the moved value, the new record is a new person', () => {
      const A = conn('a', fullDescriptor);
      const base = normalizeProjection(fullDescriptor.project(ann.canonical).projection);
      const r = reconcileRecord(
        {
          canonicalId: 'p-ann',
          canonical: ann.canonical,
          sides: [{ connectionId: 'a', externalId: 'a1', base, current: { ...base, phones: [] }, updatedAt: null }],
        },
        ctxOf([A]),
      );
      expect(r.canonical?.phones).toEqual([]);
      expect(matchRecord(rec({ phones: [phone('+12125550100')] }, 'a'), [{ ...ann, canonical: r.canonical! }])).toEqual(
        {
          kind: 'new',
        },
      );
    });
  });

  describe('a key shared by several people never merges them', () => {
    const named = (c: MatchCandidate, givenName: string, familyName: string): MatchCandidate => ({
      ...c,
      canonical: { ...c.canonical, givenName, familyName, displayName: `${givenName} ${familyName}` },
    });
    const ann2 = named(ann, 'Ann', 'Lee');
    const bob2 = named({ ...bob, canonical: { ...bob.canonical, phones: [phone('+12125550199')] } }, 'Bob', 'Lee');

    it('an e-mail and a phone pointing at different people: ambiguous, linked to nobody', () => {
      const r = matchRecord(rec({ emails: [email('ann@x.io')], phones: [phone('+12125550199')] }), [ann2, bob2]);
      expect(r).toMatchObject({
        kind: 'conflict',
        conflict: { kind: 'ambiguous-match', candidates: ['p-ann', 'p-bob'], canonicalId: null, chosen: null },
      });
    });

    it('a phone-only record whose number two people hold: ambiguous', () => {
      const family = rec({ displayName: 'Lee Family', phones: [phone('+12125550100')] });
      expect(matchRecord(family, [ann2, named(bob, 'Bob', 'Lee')])).toMatchObject({
        kind: 'conflict',
        conflict: { kind: 'ambiguous-match', field: 'phones', candidates: ['p-ann', 'p-bob'] },
      });
    });

    it("a provider's second record sharing only a phone, under another name, is another person", () => {
      const bobRecord = rec({ givenName: 'Bob', familyName: 'Lee', phones: [phone('+12125550100')] }, 'a');
      expect(matchRecord(bobRecord, [ann2])).toEqual({ kind: 'new' });
    });

    it("a provider's second record with half a name (given or family only) is not told apart by name: a duplicate for review", () => {
      // Half a name is no name to compare (only given + family, either way, or a display name are).
      for (const half of [{ givenName: 'Bob' }, { familyName: 'Park' }]) {
        const r = rec({ ...half, phones: [phone('+12125550100')] }, 'a');
        expect(matchRecord(r, [ann2])).toMatchObject({ kind: 'conflict', conflict: { kind: 'duplicate-in-provider' } });
      }
    });

    it("a provider's second record sharing a phone under the same name is still a duplicate for review", () => {
      const again = rec({ givenName: 'ANN', familyName: 'lée', phones: [phone('+12125550100')] }, 'a');
      expect(matchRecord(again, [ann2])).toMatchObject({
        kind: 'conflict',
        conflict: { kind: 'duplicate-in-provider', canonicalId: 'p-ann' },
      });
    });
  });
});
