import { emptyCanonical } from '@contact-sync/core/canonical';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalArb } from '../contract/arbitraries.ts';
import { comparable } from '../contract/comparable.ts';
import { linkRel } from '../shared/link-header.ts';
import { toPulledItem } from '../shared/parse.ts';
import { project, rServiceCapabilities } from './capabilities.ts';
import { describeError } from './client.ts';
import { fromWire, KIND_OF, wireLabel } from './mapper.ts';
import { RServiceRecordSchema } from './schema.ts';

const doc = {
  person: { id: 12, name: 'Howard Tanner', organization: { id: 3, name: 'Widget Data Center' } },
  contacts: [
    { label: 'mobile', id: 1720, telephone: '+1 03 413 7223' },
    { label: 'personal', id: 1826, website: 'www.my-stie.com' },
    { label: 'chat_slack', id: 1900, chat: 'https://slack.example/u', integration: true },
  ],
};

describe('r-service mapper (golden: the documented example)', () => {
  it('maps kinds to sets and chat labels to app names', () => {
    const item = toPulledItem(RServiceRecordSchema, doc, fromWire);
    expect(item.kind === 'record' && item.record).toMatchObject({
      externalId: '12',
      projection: {
        displayName: 'Howard Tanner',
        organization: 'Widget Data Center',
        phones: [{ value: '+1034137223', label: 'mobile', raw: '+1 03 413 7223' }],
        websites: [{ value: 'www.my-stie.com', label: 'personal' }],
        chats: [{ value: 'https://slack.example/u', label: 'slack' }],
      },
      extras: { integration: { 'https://slack.example/u': true } },
    });
  });
  it('quarantines a contact with two kinds filled', () => {
    const bad = { ...doc, contacts: [{ id: 1, label: 'work', email: 'a@b.c', telephone: '1' }] };
    const item = toPulledItem(RServiceRecordSchema, bad, fromWire);
    expect(item.kind === 'invalid' && item.error).toMatch(/^contacts\.0: exactly one/);
  });
});

describe('r-service project', () => {
  it('makes every label valid for its kind and omits chats with no app', () => {
    const { projection, omitted } = project({
      ...emptyCanonical(),
      phones: [{ value: '+14155550100', label: 'sms' }],
      emails: [{ value: 'a@x.example', label: 'home' }],
      chats: [{ value: 'hc:1', label: 'hipchat' }],
    });
    expect(projection.phones).toEqual([{ value: '+14155550100', label: 'mobile' }]);
    expect(projection.emails).toEqual([{ value: 'a@x.example', label: 'personal' }]);
    expect(omitted).toEqual([{ field: 'chats', value: 'hc:1', reason: 'r-service has no chat label for hipchat' }]);
  });

  it('round-trips project → contacts → stored → projection', () => {
    fc.assert(
      fc.property(canonicalArb, (c) => {
        const { projection } = project(c);
        let id = 0;
        const contacts = (['emails', 'phones', 'websites', 'chats'] as const).flatMap((f) =>
          (projection[f] ?? []).map((e) => ({
            id: id++,
            label: wireLabel(KIND_OF[f], e.label),
            [KIND_OF[f]]: e.value,
          })),
        );
        const stored = RServiceRecordSchema.parse({ person: { id: 1 }, contacts });
        const fields = rServiceCapabilities.fields;
        expect(comparable(fromWire(stored).projection, fields)).toEqual(comparable(projection, fields));
      }),
    );
  });

  it('reads 422 bodies and Link headers', () => {
    expect(
      describeError(422, { message: 'Validation Failed', errors: [['label', 'is not valid for email']] }, ''),
    ).toEqual({
      message: 'label is not valid for email',
      field: 'label',
    });
    expect(linkRel('<https://x/v1/people?page=1>; rel="first", <https://x/v1/people?page=2>; rel="next"', 'next')).toBe(
      'https://x/v1/people?page=2',
    );
  });
});

describe('r-service labels: the documented enum per kind', () => {
  const labelFor = rServiceCapabilities.labelFor!;
  it('a phone keeps fax, home, mobile and work; sms and cell are mobile, personal is home, the rest work', () => {
    expect(['fax', 'home', 'mobile', 'work'].map((l) => labelFor('phones', l))).toEqual([
      'fax',
      'home',
      'mobile',
      'work',
    ]);
    expect(['sms', 'cell', 'personal', 'voice', null].map((l) => labelFor('phones', l))).toEqual([
      'mobile',
      'mobile',
      'home',
      'work',
      'work',
    ]);
  });
  it('an email or website is personal (home, personal) or work; a chat keeps a known app or has none', () => {
    expect(['home', 'personal', 'other', null].map((l) => labelFor('emails', l))).toEqual([
      'personal',
      'personal',
      'work',
      'work',
    ]);
    expect(['skype', 'slack', 'teams', 'workchat', 'irc'].map((l) => labelFor('chats', l))).toEqual([
      'skype',
      'slack',
      'teams',
      'workchat',
      null,
    ]);
  });
});

describe('r-service project: values it cannot hold', () => {
  it('a value of 255 characters is written, one of 256 is omitted but kept where held', () => {
    const site = (n: number) => `https://x.example/${'a'.repeat(n - 18)}`;
    const r = project({
      ...emptyCanonical(),
      websites: [
        { value: site(255), label: null },
        { value: site(256), label: null },
      ],
    });
    expect(r.projection.websites).toEqual([{ value: site(255), label: 'work' }]);
    expect(r.omitted).toMatchObject([{ field: 'websites', reason: 'longer than 255 characters', keep: true }]);
  });

  it('a chat with no app label is not kept; an overlong chat of a known app and an invalid e-mail are', () => {
    const r = project({
      ...emptyCanonical(),
      chats: [
        { value: 'ann', label: 'irc' },
        { value: `@${'a'.repeat(255)}`, label: 'slack' },
      ],
      emails: [{ value: 'not-an-email', label: 'work' }],
    });
    const chat = r.omitted.find((o) => o.field === 'chats' && o.value === 'ann');
    expect(chat).toMatchObject({ value: 'ann', reason: 'r-service has no chat label for irc' });
    expect(chat?.keep ?? false).toBe(false);
    // An overlong chat of a known app is one the person may already have: it stays where held.
    expect(r.omitted.find((o) => o.field === 'chats' && o.value !== 'ann')).toMatchObject({ keep: true });
    const email = r.omitted.find((o) => o.field === 'emails');
    expect(email).toMatchObject({ value: 'not-an-email', keep: true });
  });
});
