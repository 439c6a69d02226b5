import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_PULLED_STRING, toPulledItem, unsafeString } from './parse.ts';

const Schema = z.object({ id: z.string(), first_name: z.string(), tags: z.array(z.string()).optional() });
const toRecord = (w: z.output<typeof Schema>) =>
  ({ externalId: w.id, raw: w, projection: { givenName: w.first_name }, extras: {}, updatedAt: null }) as never;

// Guards the pull against values no contact field can hold: they are quarantined naming the path,
// instead of being stored (a lone surrogate would be rewritten to U+FFFD and synced everywhere).
describe('unsafeString', () => {
  it('names the path of an oversized string, a lone surrogate and a NUL', () => {
    expect(unsafeString({ first_name: 'x'.repeat(MAX_PULLED_STRING + 1) })).toMatch(/^first_name: a string of 32769/);
    expect(unsafeString({ a: [{ b: 'ok' }, { b: 'bad\uD800' }] })).toBe(
      'a.1.b: invalid Unicode (a lone UTF-16 surrogate)',
    );
    expect(unsafeString({ a: '\uDC00x' })).toMatch(/^a: invalid Unicode/);
    expect(unsafeString({ a: 'nul\u0000' })).toMatch(/^a: invalid character NUL/);
  });
  it('accepts ordinary values, emoji (surrogate pairs) and long-but-sane strings', () => {
    expect(unsafeString({ a: 'Zoë 😀 王', b: 'x'.repeat(1000), c: [1, null, true] })).toBeNull();
  });
  it('makes toPulledItem quarantine the item before schema validation', () => {
    const item = toPulledItem(Schema, { id: '7', first_name: 'A\uD83D' }, toRecord);
    expect(item).toMatchObject({
      kind: 'invalid',
      externalId: '7',
      error: 'first_name: invalid Unicode (a lone UTF-16 surrogate)',
    });
    expect(toPulledItem(Schema, { id: '8', first_name: 'Ann', extra: { x: 1 } }, toRecord).kind).toBe('record');
  });
});
