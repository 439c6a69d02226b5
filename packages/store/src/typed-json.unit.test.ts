import { emptyCanonical } from '@contact-sync/core';
import { describe, expect, it } from 'vitest';
import { canonicalOf, projectionOf, projectionOrNull } from './typed-json.ts';

describe('JSON columns parsed at the store boundary', () => {
  it('a canonical record comes back with every field, set entries as stored', () => {
    const emails = [{ value: 'ann@example.com', label: 'work', raw: 'Ann@Example.com' }];
    expect(canonicalOf({ givenName: 'Ann', emails })).toEqual({ ...emptyCanonical(), givenName: 'Ann', emails });
    expect(canonicalOf(null)).toEqual(emptyCanonical());
  });

  it('a projection keeps only the fields it holds; an empty base is null', () => {
    expect(projectionOf({ familyName: null })).toEqual({ familyName: null });
    expect(projectionOrNull(null)).toBeNull();
    expect(projectionOrNull({ title: 'Dr' })).toEqual({ title: 'Dr' });
  });

  it('a column that does not hold the core type is refused, not passed on as if it did', () => {
    expect(() => canonicalOf({ emails: 'ann@example.com' })).toThrow();
    expect(() => projectionOf({ givenName: 42 })).toThrow();
  });
});
