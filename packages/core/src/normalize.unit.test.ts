import { describe, expect, it } from 'vitest';
import { contentHash } from './hash.ts';
import {
  canonicalEquals,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizeProjection,
  normalizeSetEntries,
  normalizeUrl,
} from './normalize.ts';

describe('normalization', () => {
  it('emails: trimmed and lower-cased', () => {
    expect(normalizeEmail('  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
  });

  it('phones: E.164 when possible, whatever the formatting; the raw text is kept', () => {
    expect(normalizePhone('(212) 555-0100', 'US')).toEqual({ value: '+12125550100', raw: '(212) 555-0100' });
    expect(normalizePhone('+1 212.555.0100').value).toBe('+12125550100');
    expect(normalizePhone('030 1234567', 'DE').value).toBe('+49301234567');
  });

  it('phones: unparseable text falls back to its digits (leading + kept), text without digits as is', () => {
    expect(normalizePhone('12-34').value).toBe('1234');
    expect(normalizePhone('+0 (12) 34').value).toBe('+01234');
    expect(normalizePhone(' ask the front desk ').value).toBe('ask the front desk');
  });

  it('names: trimmed, inner whitespace collapsed, NFC, empty → null', () => {
    expect(normalizeName('  Zoe   \t Lee ')).toBe('Zoe Lee');
    expect(normalizeName('Zoe\u0301')).toBe('Zoé');
    expect(normalizeName('   ')).toBeNull();
    expect(normalizeName(null)).toBeNull();
  });

  it('urls: scheme and host lower-cased, lone trailing slash dropped, path case kept', () => {
    expect(normalizeUrl(' HTTPS://Example.COM/ ')).toBe('https://example.com');
    expect(normalizeUrl('https://Example.com/Path')).toBe('https://example.com/Path');
    expect(normalizeUrl('example.com')).toBe('example.com');
  });

  it('set entries: deduped by value (a label beats none), sorted by value, empty values dropped', () => {
    expect(
      normalizeSetEntries('emails', [
        { value: 'B@x.io', label: null },
        { value: 'a@x.io', label: ' Work ' },
        { value: 'b@x.io ', label: 'home' },
        { value: '  ', label: null },
      ]),
    ).toEqual([
      { value: 'a@x.io', label: 'work' },
      { value: 'b@x.io', label: 'home' },
    ]);
  });

  it('projections: normalization is idempotent and equality ignores raw and entry order', () => {
    const messy = {
      givenName: ' Ann ',
      emails: [
        { value: 'B@X.IO', label: null, raw: 'B@X.IO' },
        { value: 'a@x.io', label: 'Work' },
      ],
    };
    const n = normalizeProjection(messy);
    expect(normalizeProjection(n)).toEqual(n);
    expect(
      canonicalEquals(messy, {
        givenName: 'Ann',
        emails: [
          { value: 'a@x.io', label: 'work' },
          { value: 'b@x.io', label: null },
        ],
      }),
    ).toBe(true);
    expect(canonicalEquals(messy, { givenName: 'Anne', emails: n.emails })).toBe(false);
  });

  it('content hash: equal for projections that normalize alike, different otherwise', () => {
    const a = contentHash({ givenName: 'Ann', emails: [{ value: 'A@x.io', label: null, raw: 'A@x.io' }] });
    const b = contentHash({ emails: [{ value: 'a@x.io', label: null }], givenName: ' Ann' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ givenName: 'Ann', emails: [{ value: 'a@x.io', label: 'work' }] })).not.toBe(a);
  });

  it('content hash is stable across versions: stored snapshot hashes stay valid', () => {
    // Pinned value computed by the serialisation before it was hand-written for speed.
    const p = {
      givenName: 'Ann "Q"',
      familyName: null,
      emails: [
        { value: 'a@x.io', label: 'work' },
        { value: 'b@x.io', label: null },
      ],
      phones: [],
      chats: [{ value: 'slack:ü', label: 'slack' }],
    };
    expect(contentHash(p)).toBe('a3e3ebe77b4de011fc112b34fee7de0ccf593abb294adf03d964ac1a3998d1c5');
  });
});

// normalizeProjection skips its work when a cheap check finds the input normal already: each value
// here is not, and must come out normalized (a mutation sweep found the check's branches untested).
describe('normalizeProjection: the already-normal check lets nothing un-normal through', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'an avatar URL with an upper-case host',
      { avatarUrl: 'HTTPS://X.Example/a.png' },
      { avatarUrl: 'https://x.example/a.png' },
    ],
    [
      'a website with an upper-case scheme',
      { websites: [{ value: 'HTTP://x.example/', label: null }] },
      { websites: [{ value: 'http://x.example', label: null }] },
    ],
    [
      'a chat handle with outer spaces',
      { chats: [{ value: ' @ann ', label: null }] },
      { chats: [{ value: '@ann', label: null }] },
    ],
    ['a name with inner runs of spaces', { givenName: 'Ann  Marie' }, { givenName: 'Ann Marie' }],
    [
      'a label in capitals',
      { emails: [{ value: 'ann@x.io', label: 'Work' }] },
      { emails: [{ value: 'ann@x.io', label: 'work' }] },
    ],
    [
      'a present but undefined scalar',
      { givenName: undefined, familyName: 'Lee' },
      { givenName: null, familyName: 'Lee' },
    ],
  ];
  for (const [what, input, normal] of cases)
    it(`${what} is normalized`, () => {
      const out = normalizeProjection(input as Parameters<typeof normalizeProjection>[0]);
      expect(out).not.toBe(input);
      expect(out).toEqual(normal);
      expect(normalizeProjection(out)).toBe(out);
    });

  it('a missing set equals an empty one; a missing scalar equals null', () => {
    expect(canonicalEquals({ givenName: 'Ann' }, { givenName: 'Ann', emails: [] })).toBe(true);
    expect(canonicalEquals({ emails: [] }, { familyName: null })).toBe(true);
    expect(canonicalEquals({ emails: [] }, { emails: [{ value: 'a@x.io', label: null }] })).toBe(false);
  });
});
