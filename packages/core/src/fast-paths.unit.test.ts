import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Canonical, emptyCanonical, FIELDS, type Projection, SET_FIELDS, type SetEntry } from './canonical.ts';
import type { CapabilityDescriptor } from './capabilities.ts';
import { normalizedContentHash, normalizedContentHashOfText } from './hash.ts';
import { mergeRecord, mergeRecordInFull, type Voter } from './merge.ts';
import { sortEntriesByValue } from './normalize.ts';
import { holdsFieldChecks } from './plan.ts';
import { DESCRIPTORS, type DescriptorName } from './test-support/descriptors.ts';
import { conn } from './test-support/fixtures.ts';

/**
 * The hot path's shortcuts against the plain computation they replace: each must give exactly
 * what the slow form gives, on any input (not only the common case they are there for).
 */

const runs = Number(process.env.FC_RUNS ?? 300);

/** The content hash as first written: sha256 of JSON.stringify of the fields in order, sets as [value, label]. */
const slowHash = (p: Projection): string => {
  const o: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = (p as Record<string, unknown>)[f];
    if (v === undefined) continue;
    o[f] = (SET_FIELDS as readonly string[]).includes(f) ? (v as SetEntry[]).map((e) => [e.value, e.label ?? null]) : v;
  }
  return createHash('sha256').update(JSON.stringify(o)).digest('hex');
};

// Any text, with the characters JSON escapes (quotes, backslashes, controls, lone surrogates) made likely.
const arbText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udc00', 'ü', '😀'),
  }),
);
const arbEntries = fc.array(fc.record({ value: arbText, label: fc.option(arbText, { nil: null }) }), { maxLength: 3 });
const arbProjection: fc.Arbitrary<Projection> = fc.record(
  Object.fromEntries(
    FIELDS.map((f) => [
      f,
      (SET_FIELDS as readonly string[]).includes(f) ? arbEntries : fc.option(arbText, { nil: null }),
    ]),
  ),
  { requiredKeys: [] },
) as fc.Arbitrary<Projection>;

// Mostly plain ASCII (the byte path of the hashes), now and then a character it must hand to the text path.
const arbAsciiText = fc.string({
  unit: fc.oneof(
    { weight: 60, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '"',
        '\\',
        '\n',
        '\u0000',
        '\u001f',
        '\u007f',
        '\u0080',
        'ü',
        '\u2028',
        '\ud800',
        '😀',
      ),
    },
  ),
});
const arbAsciiEntries = fc.array(fc.record({ value: arbAsciiText, label: fc.option(arbAsciiText, { nil: null }) }), {
  maxLength: 3,
});
const arbAsciiProjection: fc.Arbitrary<Projection> = fc.record(
  Object.fromEntries(
    FIELDS.map((f) => [
      f,
      (SET_FIELDS as readonly string[]).includes(f) ? arbAsciiEntries : fc.option(arbAsciiText, { nil: null }),
    ]),
  ),
  { requiredKeys: [] },
) as fc.Arbitrary<Projection>;

describe('fast paths give what the slow form gives', () => {
  it('the hand-written stable JSON hashes as JSON.stringify does, whatever the text', () => {
    fc.assert(
      fc.property(arbProjection, (p) => {
        expect(normalizedContentHash(p)).toBe(slowHash(p));
      }),
      { numRuns: runs * 3 },
    );
  });

  it('hashing the JSON bytes directly gives the hash of its text, for plain ASCII and for anything else', () => {
    fc.assert(
      fc.property(arbAsciiProjection, (p) => {
        const h = normalizedContentHash(p);
        expect(h).toBe(slowHash(p));
        expect(h).toBe(normalizedContentHashOfText(p));
      }),
      { numRuns: runs * 3 },
    );
    const long = 'x'.repeat(70_000); // grows the byte buffer past what it keeps
    for (const p of [
      {},
      { givenName: '\u007f', emails: [] },
      { phones: [{ value: '', label: '' }] },
      { displayName: long, emails: [{ value: long, label: 'work' }] },
      { givenName: 'after the long one' },
    ] as Projection[])
      expect(normalizedContentHash(p)).toBe(slowHash(p));
  });

  it('the insertion sort of entries orders them as the built-in stable sort does', () => {
    const byValue = (a: SetEntry, b: SetEntry) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
    // Few values (ties are likely: stability shows), labels telling equal values apart, any length.
    const arbValue = fc.oneof(fc.constantFrom('a', 'b', 'B', 'ab', '', 'é', '😀'), arbText);
    const arbList = fc.array(fc.record({ value: arbValue, label: fc.option(fc.string(), { nil: null }) }), {
      maxLength: 24,
    });
    fc.assert(
      fc.property(arbList, (list) => {
        const expected = [...list].sort(byValue);
        const copy = [...list];
        expect(sortEntriesByValue(copy)).toBe(copy);
        expect(copy).toEqual(expected);
        for (let i = 0; i < copy.length; i++) expect(copy[i]).toBe(expected[i]);
      }),
      { numRuns: runs * 3 },
    );
  });

  it('the check of a field read by name decides as the check read by key', () => {
    const { byName, byKey } = holdsFieldChecks;
    fc.assert(
      fc.property(
        arbAsciiProjection,
        arbAsciiProjection,
        arbAsciiProjection,
        fc.subarray([...FIELDS]),
        fc.constantFrom('other', 'projection', 'canonical'),
        (a, b, c, passed, currentIs) => {
          const canonical = { ...emptyCanonical(), ...a } as Canonical;
          const mine = { ...canonical, givenName: b.givenName ?? null };
          // Fields the descriptor passed through from the canonical record (same value, same array).
          const projection: Record<string, unknown> = { ...b };
          for (const f of passed) projection[f] = (f === 'givenName' ? mine : canonical)[f];
          const current = currentIs === 'other' ? c : currentIs === 'projection' ? { ...projection } : { ...canonical };
          for (const f of FIELDS) {
            const args = [projection as Projection, canonical, mine, current as Projection] as const;
            expect(byName.get(f)!(...args)).toBe(byKey(f, (SET_FIELDS as readonly string[]).includes(f))(...args));
          }
        },
      ),
      { numRuns: runs * 3 },
    );
  });

  it('a first sync merges as the full merge does', () => {
    // Small pools (duplicate values, labels a vocabulary renders differently), raw text, missing fields.
    const arbLabel = fc.constantFrom(null, 'work', 'home', 'mobile', 'sms', 'voice', '');
    const arbEntry = fc.record(
      { value: fc.constantFrom('a@x.io', 'b@x.io', '+12125550100', 'skype:ann'), label: arbLabel, raw: fc.string() },
      { requiredKeys: ['value', 'label'] },
    );
    const arbCurrent = fc.record(
      Object.fromEntries(
        FIELDS.map((f) => [
          f,
          (SET_FIELDS as readonly string[]).includes(f)
            ? fc.array(arbEntry, { maxLength: 4 })
            : fc.option(fc.constantFrom('Ann', 'Bob', ''), { nil: null }),
        ]),
      ),
      { requiredKeys: [] },
    ) as fc.Arbitrary<Projection>;
    const arbCanonical = fc.oneof(
      fc.constant(emptyCanonical()),
      arbCurrent.map((p) => ({ ...emptyCanonical(), ...p }) as Canonical),
    );
    // Besides the test descriptors, one with a vocabulary that renders no label as one it cannot hold
    // as itself ("sms" for none or mobile, "voice" for anything else): its "sms" is read as no label.
    const vocabulary: CapabilityDescriptor = {
      ...DESCRIPTORS.named,
      labelFor: (_f, l) => (l === null || l === 'mobile' ? 'sms' : 'voice'),
    };
    const descriptors: Record<string, CapabilityDescriptor> = { ...DESCRIPTORS, vocabulary };
    const names = Object.keys(descriptors) as (DescriptorName | 'vocabulary')[];
    fc.assert(
      fc.property(
        arbCanonical,
        arbCurrent,
        fc.constantFrom(...names),
        fc.constantFrom<Voter['base']>(null, {}),
        (canonical, current, desc, base) => {
          const v: Voter = {
            connectionId: 'c0',
            externalId: 'e0',
            conn: conn('c0', descriptors[desc]!),
            base,
            current,
            updatedAt: null,
          };
          const policy = { kind: 'priority', order: ['c0'] } as const;
          const fast = mergeRecord('p1', canonical, [v], policy);
          const full = mergeRecordInFull('p1', canonical, [v], policy);
          expect(fast.canonical).toStrictEqual(full.canonical);
          expect(JSON.stringify(fast.canonical)).toBe(JSON.stringify(full.canonical));
          expect(fast.conflicts).toStrictEqual(full.conflicts);
          expect(fast.held).toStrictEqual(full.held);
          expect([...fast.editors]).toStrictEqual([...full.editors]);
        },
      ),
      { numRuns: runs * 3 },
    );
  });
});
