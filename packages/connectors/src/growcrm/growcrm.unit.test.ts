import { emptyCanonical } from '@contact-sync/core/canonical';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalArb } from '../contract/arbitraries.ts';
import { comparable } from '../contract/comparable.ts';
import { toPulledItem } from '../shared/parse.ts';
import { growcrmCapabilities, project } from './capabilities.ts';
import { describeError } from './client.ts';
import page from './fixtures/contacts-page.json' with { type: 'json' };
import { fromWire, toWire } from './mapper.ts';
import { GrowcrmContactSchema, GrowcrmListSchema } from './schema.ts';

describe('growcrm mapper (golden fixture)', () => {
  const items = GrowcrmListSchema.parse(page).data.map((r) => toPulledItem(GrowcrmContactSchema, r, fromWire));

  it('maps a contact; provider-only fields go to extras', () => {
    expect(items[0]).toEqual({
      kind: 'record',
      record: {
        externalId: '41',
        projection: {
          givenName: 'Mary Ann',
          familyName: 'Smith',
          title: 'Ops lead',
          organization: 'Acme Ltd',
          emails: [{ value: 'mary.smith@example.com', label: null, raw: 'Mary.Smith@Example.com' }],
          phones: [{ value: '+442079460958', label: null, raw: '+44 20 7946 0958' }],
        },
        extras: {
          account_owner: 'yes',
          status: 'active',
          client_id: 7,
          role: 'client',
          social: { twitter: '@mary' },
          created: '2026-06-15T09:30:00.000000Z',
        },
        updatedAt: '2026-06-16T10:00:00.000000Z',
        raw: expect.anything(),
      },
    });
  });

  it('quarantines an invalid item with its id and path', () => {
    expect(items[1]).toMatchObject({ kind: 'invalid', externalId: '42' });
    expect(items[1]?.kind === 'invalid' && items[1].error).toMatch(/^email: /);
  });
});

describe('growcrm project', () => {
  it('keeps one email and one phone, reports the rest', () => {
    const { projection, omitted } = project({
      ...emptyCanonical(),
      givenName: 'A',
      familyName: 'B',
      title: 'Pastor',
      organization: 'Ignored Inc',
      emails: [
        { value: 'a@example.com', label: null },
        { value: 'b@example.com', label: null },
      ],
      phones: [
        { value: '+14155550100', label: 'work' },
        { value: '+442079460958', label: 'home' },
      ],
    });
    expect(projection).toEqual({
      givenName: 'A',
      familyName: 'B',
      title: 'Pastor',
      emails: [{ value: 'a@example.com', label: null }],
      phones: [{ value: '+14155550100', label: null }],
    });
    expect(omitted.map((o) => [o.field, o.value])).toEqual([
      ['emails', 'b@example.com'],
      ['phones', '+442079460958'],
    ]);
  });

  it('round-trips project → wire → stored → projection', () => {
    fc.assert(
      fc.property(canonicalArb, (c) => {
        const { projection } = project(c);
        const w = toWire(projection);
        const stored = GrowcrmContactSchema.parse({
          id: 1,
          first_name: w.first_name,
          last_name: w.last_name,
          email: w.email,
          phone: w.phone,
          job_position: w.position,
        });
        const fields = growcrmCapabilities.fields.filter((f) => f in projection);
        expect(comparable(fromWire(stored).projection, fields)).toEqual(comparable(projection, fields));
      }),
    );
  });
});

describe('growcrm errors', () => {
  it('takes the first field message of a 422', () => {
    expect(
      describeError(
        422,
        { message: 'The given data was invalid.', errors: { email: ['The email has already been taken.'] } },
        '',
      ),
    ).toEqual({ message: 'The email has already been taken.', field: 'email' });
    expect(describeError(401, { message: 'Unauthorized. A valid API key is required.' }, '')).toEqual({
      message: 'Unauthorized. A valid API key is required.',
      field: null,
    });
  });
});
