import { describe, expect, it } from 'vitest';
import { parseLink, parseSets } from './people.ts';

describe('people command arguments', () => {
  it('--set takes scalars, comma-separated set fields, and empty as null', () => {
    expect(parseSets(['givenName=Ann', 'emails=a@x.org, b@y.org', 'title='])).toEqual({
      givenName: 'Ann',
      emails: [
        { value: 'a@x.org', label: null },
        { value: 'b@y.org', label: null },
      ],
      title: null,
    });
    expect(() => parseSets(['givenName'])).toThrow(/--set "givenName": expected FIELD=VALUE/);
  });

  it('--link splits at the first colon only', () => {
    expect(parseLink('nodeping:2012:ABC')).toEqual({ connectionId: 'nodeping', externalId: '2012:ABC' });
    expect(() => parseLink('growcrm')).toThrow(/expected CONNECTION:EXTERNAL_ID/);
    expect(() => parseLink('growcrm:')).toThrow(/expected CONNECTION:EXTERNAL_ID/);
  });
});
