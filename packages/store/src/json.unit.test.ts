import { describe, expect, it } from 'vitest';
import { jsonParam } from './json.ts';

describe('jsonParam', () => {
  it('makes NUL and lone surrogates U+FFFD, and leaves everything else as JSON.stringify wrote it', () => {
    const value = { nul: 'a\u0000b', lone: 'x\uD800', pair: 'Zoë 😀', path: 'C:\\users\\u0000', tab: 'a\tb\u0001' };
    const text = jsonParam(value);
    expect(JSON.parse(text)).toEqual({ ...value, nul: 'a\uFFFDb', lone: 'x\uFFFD' });
    expect(jsonParam({ plain: 'Ann <ann@example.com>', n: [1, null] })).toBe(
      JSON.stringify({ plain: 'Ann <ann@example.com>', n: [1, null] }),
    );
  });
});
