import { emptyCanonical } from '@contact-sync/core/canonical';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalArb } from '../contract/arbitraries.ts';
import { comparable } from '../contract/comparable.ts';
import { toPulledItem } from '../shared/parse.ts';
import { churchpadCapabilities, project } from './capabilities.ts';
import { describeError } from './client.ts';
import page from './fixtures/contacts-page.json' with { type: 'json' };
import { fromWire, toWire } from './mapper.ts';
import { ChurchpadContactSchema, ChurchpadPageSchema } from './schema.ts';

const fields = churchpadCapabilities.fields;

describe('churchpad mapper (golden fixture)', () => {
  const items = ChurchpadPageSchema.parse(page).results.map((r) => toPulledItem(ChurchpadContactSchema, r, fromWire));

  it('normalizes names, email and phone and keeps the raw text', () => {
    const first = items[0];
    expect(first?.kind).toBe('record');
    if (first?.kind !== 'record') return;
    expect(first.record).toMatchObject({
      externalId: '3f1c2a4e-8b7d-4c1e-9a2b-1d2e3f4a5b6c',
      updatedAt: '2025-07-24T08:00:00.000Z',
      extras: { is_manual: true, nextgen_legacy_id: 'NG-77' },
    });
    expect(first.record.projection).toEqual({
      givenName: 'Zoë',
      middleName: null,
      familyName: 'Ødegård',
      avatarUrl: null,
      emails: [{ value: 'zoe.odegard@example.com', label: null, raw: ' Zoe.Odegard@Example.COM ' }],
      phones: [{ value: '+14155550100', label: null, raw: '+1 (415) 555-0100' }],
    });
  });

  it('keeps an unparseable phone as cleaned digits', () => {
    const second = items[1];
    expect(second?.kind === 'record' && second.record.projection.phones).toEqual([
      { value: '5550100', label: null, raw: '555-0100' },
    ]);
  });

  it('quarantines an item that fails the schema with the precise path', () => {
    expect(items[2]).toMatchObject({ kind: 'invalid', externalId: 'bad-1' });
    expect(items[2]?.kind === 'invalid' && items[2].error).toMatch(/^last_name: /);
  });
});

describe('churchpad project', () => {
  it('keeps one email and one phone and reports the rest', () => {
    const { projection, omitted } = project({
      ...emptyCanonical(),
      givenName: 'Ann',
      familyName: 'x'.repeat(51),
      emails: [
        { value: 'a@example.com', label: 'work' },
        { value: 'b@example.com', label: 'home' },
      ],
      phones: [{ value: '+14155550100', label: 'mobile' }],
    });
    expect(projection.emails).toEqual([{ value: 'a@example.com', label: null }]);
    expect(projection.phones).toEqual([{ value: '+14155550100', label: null }]);
    expect('familyName' in projection).toBe(false);
    expect(omitted).toEqual([
      { field: 'familyName', value: 'x'.repeat(51), reason: 'longer than 50 characters' },
      { field: 'emails', value: 'b@example.com', reason: 'churchpad holds one email per contact' },
    ]);
  });

  it('round-trips: project → wire → stored → projection is the same', () => {
    fc.assert(
      fc.property(canonicalArb, (c) => {
        const { projection } = project(c);
        const stored = ChurchpadContactSchema.parse({
          id: 'id-1',
          updated_at: '2025-01-01T00:00:00Z',
          first_name: '',
          last_name: '',
          phone: '',
          email: '',
          ...toWire(projection),
        });
        const held = fields.filter((f) => f in projection);
        expect(comparable(fromWire(stored).projection, held)).toEqual(comparable(projection, held));
      }),
    );
  });
});

describe('churchpad errors', () => {
  it('reads DRF field errors and detail', () => {
    expect(describeError(400, { email: ['Enter a valid email address.'] }, '')).toEqual({
      message: 'email: Enter a valid email address.',
      field: 'email',
    });
    expect(describeError(404, { detail: 'Not found.' }, '')).toEqual({ message: 'Not found.', field: null });
  });
});

describe('churchpad project: the documented lengths, at their bounds', () => {
  const at = (local: number) => `${'a'.repeat(local)}@x.io`;
  it('an email of 254 characters is written; one of 255 is omitted with the reason', () => {
    const r = project({ ...emptyCanonical(), emails: [{ value: at(254 - 5), label: null }] });
    expect(r.projection.emails).toEqual([{ value: at(249), label: null }]);
    const long = project({ ...emptyCanonical(), emails: [{ value: at(250), label: null }] });
    expect(long.projection.emails).toEqual([]);
    expect(long.omitted).toMatchObject([{ field: 'emails', reason: 'longer than 254 characters' }]);
  });
  it('a phone of 15 characters is written; one of 16 is omitted with the reason', () => {
    const r = project({ ...emptyCanonical(), phones: [{ value: '+12125550100123', label: null }] });
    expect(r.projection.phones).toEqual([{ value: '+12125550100123', label: null }]);
    const long = project({ ...emptyCanonical(), phones: [{ value: '+121255501001234', label: null }] });
    expect(long.projection.phones).toEqual([]);
    expect(long.omitted).toMatchObject([{ field: 'phones', reason: 'longer than 15 characters' }]);
  });
});

describe('churchpad mapper: extras and partial writes', () => {
  const contact = ChurchpadContactSchema.parse(ChurchpadPageSchema.parse(page).results[0]);

  it("keeps ChurchPad's own fields as extras, from the record as listed", () => {
    const r = fromWire({ ...contact, legacy_id: 'L-9', is_manual: false });
    expect(r.extras).toEqual({
      is_manual: false,
      legacy_id: 'L-9',
      nextgen_legacy_id: 'NG-77',
      created_at: '2025-07-23T12:27:03.659Z',
    });
  });

  it('an update body holds only the fields asked for (an untouched field is not sent back)', () => {
    const p = { givenName: 'Ann', familyName: 'Lee', emails: [{ value: 'ann@x.io', label: null }] };
    expect(toWire(p, ['givenName'])).toEqual({ first_name: 'Ann' });
    expect(toWire(p, ['givenName', 'phones'])).toEqual({ first_name: 'Ann' });
    expect(toWire(p)).toEqual({ first_name: 'Ann', last_name: 'Lee', email: 'ann@x.io' });
  });

  it('a name of 50 characters is written, one of 51 is omitted', () => {
    expect(project({ ...emptyCanonical(), givenName: 'a'.repeat(50) }).projection.givenName).toBe('a'.repeat(50));
    const long = project({ ...emptyCanonical(), givenName: 'a'.repeat(51) });
    expect(long.projection.givenName ?? null).toBeNull();
    expect(long.omitted).toMatchObject([{ field: 'givenName' }]);
  });
});
