import { emptyCanonical } from '@contact-sync/core/canonical';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalArb } from '../contract/arbitraries.ts';
import { comparable } from '../contract/comparable.ts';
import { normalizePhone } from '../shared/normalize.ts';
import { toPulledItem } from '../shared/parse.ts';
import { project } from './capabilities.ts';
import { describeError } from './client.ts';
import { fromWire } from './mapper.ts';
import { IlertPersonSchema } from './schema.ts';

const person = {
  user: { id: 7, firstName: ' Jane', lastName: 'Doe', email: 'login@corp.example', position: 'SRE', role: 'RESPONDER' },
  emails: [{ id: 1, target: 'Jane@Corp.Example', status: 'OK' }],
  phones: [
    { id: 2, regionCode: 'DE', target: '0171 1234567', primary: true, status: 'OK' },
    { id: 3, regionCode: 'US', target: '+1 415 555 0100', primary: false, status: 'LOCKED' },
  ],
};

describe('ilert mapper (golden)', () => {
  it('projects a user with its contact methods; status and primary go to extras', () => {
    const item = toPulledItem(IlertPersonSchema, person, fromWire);
    expect(item.kind === 'record' && item.record).toMatchObject({
      externalId: '7',
      projection: {
        givenName: 'Jane',
        familyName: 'Doe',
        title: 'SRE',
        emails: [{ value: 'jane@corp.example', label: null }],
        phones: [
          { value: '+491711234567', label: null, raw: '0171 1234567' },
          { value: '+14155550100', label: null },
        ],
      },
      extras: {
        loginEmail: 'login@corp.example',
        primaryPhone: '+491711234567',
        status: { 'jane@corp.example': 'OK', '+14155550100': 'LOCKED' },
      },
    });
  });
  it('quarantines the whole user when one contact method is invalid', () => {
    const bad = { ...person, emails: [{ id: 1, target: 'a@b.c', status: 'WEIRD' }] };
    const item = toPulledItem(IlertPersonSchema, bad, fromWire);
    expect(item.kind === 'invalid' && item.error).toMatch(/^emails\.0\.status: /);
  });
});

describe('ilert project', () => {
  it('holds emails and phones only, omits a phone with no region', () => {
    const { projection, omitted } = project({
      ...emptyCanonical(),
      givenName: 'X',
      phones: [
        { value: '+14155550100', label: 'mobile' },
        { value: '5550100', label: null },
      ],
    });
    expect(projection).toEqual({ emails: [], phones: [{ value: '+14155550100', label: null }] });
    expect(omitted).toEqual([
      { field: 'phones', value: '5550100', reason: 'ilert needs a phone number it can place in a region', keep: true },
    ]);
  });

  it('a number outside assigned ranges still gets its calling code’s country (+44 7632… → GB)', () => {
    const { projection } = project({ ...emptyCanonical(), phones: [{ value: '+447632130796', label: null }] });
    expect(projection.phones).toEqual([{ value: '+447632130796', label: null }]);
  });

  it('round-trips: project → (regionCode, target) → stored → projection', () => {
    fc.assert(
      fc.property(canonicalArb, (c) => {
        const { projection } = project(c);
        const stored = IlertPersonSchema.parse({
          user: { id: 1 },
          emails: (projection.emails ?? []).map((e, i) => ({ id: i, target: e.value })),
          phones: (projection.phones ?? []).map((e, i) => ({
            id: i,
            regionCode: normalizePhone(e.value)?.region,
            target: e.value,
          })),
        });
        expect(comparable(fromWire(stored).projection, ['emails', 'phones'])).toEqual(
          comparable(projection, ['emails', 'phones']),
        );
      }),
    );
  });

  it('reads ilert error bodies', () => {
    expect(
      describeError(400, { status: 400, message: 'target is not a valid email address', code: 'BAD_REQUEST' }, ''),
    ).toEqual({
      message: 'target is not a valid email address',
      field: 'target',
    });
  });
});

describe('ilert project: an invalid e-mail', () => {
  it('is not written, but one the user already has is kept (not deleted)', () => {
    const r = project({
      ...emptyCanonical(),
      emails: [
        { value: 'ann@x.io', label: null },
        { value: 'not-an-email', label: null },
      ],
    });
    expect(r.projection.emails).toEqual([{ value: 'ann@x.io', label: null }]);
    expect(r.omitted).toMatchObject([{ field: 'emails', value: 'not-an-email', keep: true }]);
  });
});
