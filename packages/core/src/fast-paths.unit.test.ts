import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, type Projection, SET_FIELDS, type SetEntry } from './canonical.ts';
import { normalizedContentHash } from './hash.ts';

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

describe('fast paths give what the slow form gives', () => {
  it('the hand-written stable JSON hashes as JSON.stringify does, whatever the text', () => {
    fc.assert(
      fc.property(arbProjection, (p) => {
        expect(normalizedContentHash(p)).toBe(slowHash(p));
      }),
      { numRuns: runs * 3 },
    );
  });
});
