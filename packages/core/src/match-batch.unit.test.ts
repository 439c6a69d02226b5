import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Projection } from './canonical.ts';
import { matchKeys, samePhone } from './match.ts';
import { type BatchPerson, matchBatch } from './match-batch.ts';
import { normalizeProjection } from './normalize.ts';
import { canonicalOf, email, phone } from './test-support/fixtures.ts';

const rec = (connectionId: string, externalId: string, p: Projection) => ({
  connectionId,
  externalId,
  projection: normalizeProjection(p),
  updatedAt: null,
});
const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};
const linkedIds = (m: ReturnType<typeof matchBatch>) =>
  Object.fromEntries([...m.links].map(([id, list]) => [id, list.map((r) => `${r.connectionId}/${r.externalId}`)]));

describe('matching a batch of unlinked records', () => {
  const ann = { givenName: 'Ann', familyName: 'Lee' };

  it("e-mail groups first: a provider's duplicate under another address is the record reported, not linked", () => {
    // a/1 and b/2 agree on ann@; b/1 is b's duplicate of Ann under another address, sharing her phone.
    const batch = [
      rec('a', '1', { ...ann, emails: [email('ann@x.io')], phones: [phone('+12125550100')] }),
      rec('b', '1', { ...ann, emails: [email('ann.lee@other.io')], phones: [phone('+12125550100')] }),
      rec('b', '2', { ...ann, emails: [email('ann@x.io')] }),
    ];
    const m = matchBatch(batch, [], ids());
    expect(linkedIds(m)).toEqual({ 'new-1': ['a/1', 'b/2'] });
    expect(m.conflicts.map((c) => [c.record.externalId, c.conflict.kind])).toEqual([['1', 'duplicate-in-provider']]);
  });

  it("of a provider's two records of one person, the older id (in natural order: 9 before 10) is linked", () => {
    const batch = [
      rec('a', '10', { ...ann, emails: [email('ann@x.io')] }),
      rec('a', '9', { ...ann, emails: [email('ann@x.io')] }),
    ];
    for (const order of [batch, [...batch].reverse()]) {
      const m = matchBatch(order, [], ids());
      expect(linkedIds(m)).toEqual({ 'new-1': ['a/9'] });
      expect(m.conflicts.map((c) => [c.record.externalId, c.conflict.kind])).toEqual([['10', 'duplicate-in-provider']]);
    }
  });

  it('an e-mail decides before a phone, batch-wide: the record sharing the e-mail is linked whatever the order', () => {
    const known: BatchPerson[] = [
      {
        canonicalId: 'p-ann',
        canonical: canonicalOf({ ...ann, emails: [email('ann@x.io')], phones: [phone('+12125550100')] }),
        linkedConnections: ['a'],
      },
    ];
    const batch = [
      rec('b', '1', { ...ann, emails: [email('ann.lee@other.io')], phones: [phone('+12125550100')] }),
      rec('b', '2', { ...ann, emails: [email('ann@x.io')], phones: [phone('+12125550111')] }),
    ];
    for (const order of [batch, [...batch].reverse()]) {
      const m = matchBatch(order, known, ids());
      expect(linkedIds(m)).toEqual({ 'p-ann': ['b/2'] });
      expect(m.conflicts.map((c) => c.record.externalId)).toEqual(['1']);
    }
  });

  it('a shared landline: two people of one provider stay two, and a record holding only the number is ambiguous', () => {
    const batch = [
      rec('churchpad', 'c1', {
        givenName: 'Ann',
        familyName: 'Lee',
        emails: [email('ann@x.io')],
        phones: [phone('+12125550100')],
      }),
      rec('churchpad', 'c2', {
        givenName: 'Bob',
        familyName: 'Lee',
        emails: [email('bob@x.io')],
        phones: [phone('+12125550100')],
      }),
      rec('nodeping', 'n1', { displayName: 'Lee Family', phones: [phone('+12125550100', 'voice')] }),
    ];
    const m = matchBatch(batch, [], ids());
    expect(linkedIds(m)).toEqual({ 'new-1': ['churchpad/c1'], 'new-2': ['churchpad/c2'] });
    expect(m.conflicts).toMatchObject([
      { record: { externalId: 'n1' }, conflict: { kind: 'ambiguous-match', candidates: ['new-1', 'new-2'] } },
    ]);
  });

  it('is independent of the order of the records', () => {
    fc.assert(
      fc.property(world, fc.nat(), ({ known, batch }, seed) => {
        const shuffled = [...batch].sort((a, b) => (hash(a.externalId + seed) - hash(b.externalId + seed)) | 0);
        expect(linkedIds(matchBatch(shuffled, known, ids()))).toEqual(linkedIds(matchBatch(batch, known, ids())));
      }),
      { numRuns: 200 },
    );
  });

  it('never links a record to a person another person shares its keys with, nor past a contradiction', () => {
    fc.assert(
      fc.property(world, ({ known, batch }) => {
        const m = matchBatch(batch, known, ids());
        const holders = (r: (typeof batch)[number]) => {
          const mk = matchKeys(r.projection);
          // A person's e-mails: their own and those of the records the batch linked to them.
          const emailsOf = (p: BatchPerson) => [
            ...p.canonical.emails.map((e) => e.value),
            ...(m.links.get(p.canonicalId) ?? []).flatMap((x) => matchKeys(x.projection).emails),
          ];
          const byEmail = known.filter((p) => emailsOf(p).some((e) => mk.emails.includes(e)));
          const byPhone = known.filter((p) =>
            p.canonical.phones.some((e) => (r.projection.phones ?? []).some((q) => samePhone(q.value, e.value))),
          );
          return { byEmail: byEmail.map((p) => p.canonicalId), byPhone: byPhone.map((p) => p.canonicalId) };
        };
        for (const [id, list] of m.links) {
          for (const r of list) {
            const { byEmail, byPhone } = holders(r);
            if (m.fresh.has(id)) {
              // A new person: no known person holds its e-mail.
              expect(byEmail).toEqual([]);
              continue;
            }
            // A known person: the only one its e-mail points at (each of its phones that finds anyone
            // finds them too), or — no e-mail hit — nobody else by phone. Keys the batch added are the batch's own.
            if (byEmail.length > 0) {
              expect(byEmail).toEqual([id]);
              for (const q of r.projection.phones ?? []) {
                const holding = known.filter((p) => p.canonical.phones.some((e) => samePhone(q.value, e.value)));
                if (holding.length > 0) expect(holding.map((p) => p.canonicalId)).toContain(id);
              }
            } else expect(byPhone.filter((x) => x !== id)).toEqual([]);
            // Never a second record of one provider linked to one person.
            expect(list.filter((x) => x.connectionId === r.connectionId)).toHaveLength(1);
          }
        }
        // Every record is linked, or reported: nothing is dropped.
        const placed = [...m.links.values()].flat().length + m.conflicts.length;
        expect(placed).toBe(batch.length);
      }),
      { numRuns: 300 },
    );
  });
});

const hash = (s: string): number => {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
};

// Small pools so that keys are shared often: households, shared offices, duplicates.
const EMAILS = ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'];
const PHONES = ['+12125550100', '+12125550101', '+12125550102'];
const NAMES = [
  ['Ann', 'Lee'],
  ['Bob', 'Lee'],
  ['Cy', 'Moe'],
];
const projection = fc
  .record({
    emails: fc.subarray(EMAILS, { maxLength: 2 }),
    phones: fc.subarray(PHONES, { maxLength: 2 }),
    name: fc.constantFrom(...NAMES),
  })
  .map(({ emails, phones, name }) => ({
    givenName: name[0]!,
    familyName: name[1]!,
    emails: emails.map((v) => email(v)),
    phones: phones.map((v) => phone(v)),
  }));
const world = fc
  .record({
    known: fc.array(fc.record({ p: projection, linked: fc.subarray(['a', 'b', 'c']) }), { maxLength: 3 }),
    batch: fc.array(fc.record({ conn: fc.constantFrom('a', 'b', 'c'), p: projection }), { maxLength: 6 }),
  })
  .map(({ known, batch }) => ({
    known: known.map(
      (k, i): BatchPerson => ({
        canonicalId: `p${i}`,
        canonical: canonicalOf(normalizeProjection(k.p) as never),
        linkedConnections: k.linked,
      }),
    ),
    batch: batch.map((b, i) => rec(b.conn, `r${i}`, b.p)),
  }));
