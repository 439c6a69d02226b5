import { describe, expect, it } from 'vitest';
import { type Canonical, emptyCanonical } from './canonical.ts';
import { personOfRecords, proposeMerge, restoreAfterSplit } from './person-merge.ts';

const person = (p: Partial<Canonical>): Canonical => ({ ...emptyCanonical(), ...p });
const ann = person({
  givenName: 'Ann',
  familyName: 'Lee',
  emails: [{ value: 'ann@a.example', label: 'work' }],
});
const anne = person({
  givenName: 'Anne',
  organization: 'Acme',
  emails: [{ value: 'anne@b.example', label: null }],
});

describe('proposeMerge', () => {
  it('keeps the union, into first, and reports every value it does not keep', () => {
    const p = proposeMerge(ann, anne);
    expect(p.merged.givenName).toBe('Ann');
    expect(p.merged.organization).toBe('Acme');
    expect(p.merged.emails.map((e) => e.value)).toEqual(['ann@a.example', 'anne@b.example']);
    expect(p.dropped).toEqual([{ side: 'from', field: 'givenName', value: 'Anne' }]);
  });

  it("takes an admin's edits; what both sides held and the edit replaced is reported", () => {
    const p = proposeMerge(ann, anne, { givenName: 'Annie', emails: [{ value: 'ANN@a.example', label: null }] });
    expect(p.merged.givenName).toBe('Annie');
    expect(p.merged.emails).toMatchObject([{ value: 'ann@a.example', label: null }]);
    expect(p.dropped).toEqual([
      { side: 'into', field: 'givenName', value: 'Ann' },
      { side: 'from', field: 'givenName', value: 'Anne' },
      { side: 'from', field: 'emails', value: { value: 'anne@b.example', label: null } },
    ]);
  });

  it('lists every field either person or the edit holds, and no other', () => {
    const fields = (p: ReturnType<typeof proposeMerge>) => p.fields.map((f) => f.field);
    // organization only in from, familyName only in into, title only in the admin's edit.
    expect(fields(proposeMerge(ann, anne, { title: 'CTO' }))).toEqual([
      'givenName',
      'familyName',
      'organization',
      'title',
      'emails',
    ]);
    // familyName cleared by the edit: still listed, with what into held.
    expect(proposeMerge(ann, anne, { familyName: null }).fields).toContainEqual({
      field: 'familyName',
      into: 'Lee',
      from: null,
      merged: null,
    });
    // phones only in from; websites only in the edit.
    const withPhone = person({ phones: [{ value: '+12125550100', label: null }] });
    expect(
      fields(proposeMerge(person({}), withPhone, { websites: [{ value: 'https://x.example', label: null }] })),
    ).toEqual(['phones', 'websites']);
  });
});

describe('restoreAfterSplit', () => {
  it('gives each person back their record, with cells changed since the merge as they are now', () => {
    const { merged } = proposeMerge(ann, anne);
    const now = {
      ...merged,
      familyName: 'Lee-Smith',
      emails: [...merged.emails, { value: 'new@c.example', label: null }],
    };
    expect(restoreAfterSplit(ann, merged, merged)).toEqual(ann);
    expect(restoreAfterSplit(anne, merged, merged)).toEqual(anne);
    const back = restoreAfterSplit(anne, merged, now);
    expect(back.familyName).toBe('Lee-Smith');
    expect(back.emails.map((e) => e.value)).toEqual(['anne@b.example', 'new@c.example']);
    expect(back.givenName).toBe('Anne');
  });

  it('an entry removed since the merge stays removed after the split', () => {
    const { merged } = proposeMerge(ann, anne);
    const now = { ...merged, emails: merged.emails.filter((e) => e.value !== 'anne@b.example') };
    expect(restoreAfterSplit(anne, merged, now).emails).toEqual([]);
    expect(restoreAfterSplit(ann, merged, now).emails).toEqual(ann.emails);
  });

  it('a person of records is their union', () => {
    expect(personOfRecords([{ givenName: 'Ann' }, { givenName: 'X', familyName: 'Lee' }])).toMatchObject({
      givenName: 'Ann',
      familyName: 'Lee',
    });
  });
});
