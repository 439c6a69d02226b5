import { emptyCanonical } from '@contact-sync/core/canonical';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalArb } from '../contract/arbitraries.ts';
import { comparable } from '../contract/comparable.ts';
import { NotFoundError, PermanentError } from '../errors.ts';
import { toPulledItem } from '../shared/parse.ts';
import { nodepingCapabilities, project } from './capabilities.ts';
import { inspectOk } from './client.ts';
import list from './fixtures/contacts.json' with { type: 'json' };
import { fromWire, wireType } from './mapper.ts';
import { planUpdate } from './plan.ts';
import { type NodepingContact, NodepingContactSchema } from './schema.ts';

const items = Object.values(list).map((r) => toPulledItem(NodepingContactSchema, r, fromWire, '_id'));
const foo = NodepingContactSchema.parse(list['201205050153W2Q4C-BKPGH']);

describe('nodeping mapper (golden fixture)', () => {
  it('maps address types to sets; webhooks stay in extras', () => {
    expect(items[0]?.kind === 'record' && items[0].record).toMatchObject({
      externalId: '201205050153W2Q4C-BKPGH',
      projection: {
        displayName: 'Foo Bar',
        emails: [{ value: 'foo@example.com', label: null, raw: 'Foo@Example.com' }],
        phones: [{ value: '+14155550100', label: 'sms', raw: '+1 415 555 0100' }],
        chats: [{ value: 'https://hooks.slack.example/T1', label: 'slack' }],
      },
      extras: { custrole: 'owner', otherAddresses: { HOOK0001: { type: 'webhook' } } },
    });
  });
  it('reads an empty address list sent as []', () => {
    expect(items[1]?.kind === 'record' && items[1].record.projection.emails).toEqual([]);
  });
  it('quarantines a contact with an address lacking `address`', () => {
    expect(items[2]).toMatchObject({ kind: 'invalid', externalId: '201205050153W2Q4C-BROKE' });
    expect(items[2]?.kind === 'invalid' && items[2].error).toMatch(/addresses\.X\.address/);
  });
});

describe('nodeping planUpdate', () => {
  it('adds a new email through newaddresses only, keeping everything else', () => {
    const target = {
      emails: [
        { value: 'foo@example.com', label: null },
        { value: 'new@example.com', label: null },
      ],
    };
    expect(planUpdate(foo, target, ['emails'])).toEqual({
      newaddresses: [{ address: 'new@example.com', type: 'email' }],
    });
  });
  it('removes by sending the remaining set, untouched types included', () => {
    const body = planUpdate(foo, { emails: [] }, ['emails']);
    expect(Object.keys(body?.addresses ?? {}).sort()).toEqual(['9ZODE0VF', 'A1B2C3D4', 'HOOK0001', 'SLACK001']);
    expect(body?.newaddresses).toBeUndefined();
  });
  it('is a no-op when the contact already holds the target', () => {
    const current = fromWire(foo).projection;
    expect(planUpdate(foo, current, nodepingCapabilities.fields)).toBeNull();
  });
});

describe('nodeping project', () => {
  it('derives the name, drops faxes and unknown chat apps with a reason', () => {
    const { projection, omitted } = project({
      ...emptyCanonical(),
      givenName: 'Ann',
      familyName: 'Lee',
      phones: [
        { value: '+14155550100', label: 'fax' },
        { value: '+442079460958', label: 'voice' },
      ],
      chats: [{ value: 'skype:ann', label: 'skype' }],
    });
    expect(projection.displayName).toBe('Ann Lee');
    expect(projection.phones).toEqual([{ value: '+442079460958', label: 'voice' }]);
    expect(omitted.map((o) => o.field)).toEqual(['phones', 'chats']);
  });

  it('round-trips project → newaddresses → stored → projection', () => {
    fc.assert(
      fc.property(canonicalArb, (c) => {
        const { projection } = project(c);
        const addresses: NodepingContact['addresses'] = {};
        let n = 0;
        for (const f of ['emails', 'phones', 'chats'] as const) {
          for (const e of projection[f] ?? []) addresses[`A${n++}`] = { address: e.value, type: wireType(f, e.label) };
        }
        const stored = NodepingContactSchema.parse({ _id: 'C-1', name: projection.displayName, addresses });
        const fields = nodepingCapabilities.fields;
        expect(comparable(fromWire(stored).projection, fields)).toEqual(comparable(projection, fields));
      }),
    );
  });
});

describe('nodeping errors in 200 bodies', () => {
  const res = (body: unknown) => ({ status: 200, headers: new Headers(), body });
  it('classifies them', () => {
    expect(inspectOk(res({ error: 'Unable to find that contact' }))).toBeInstanceOf(NotFoundError);
    const e = inspectOk(res({ error: 'A contact must have at least one address' }));
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).field).toBe('addresses');
    expect(inspectOk(res({ ok: true, id: 'x' }))).toBeNull();
  });
});

describe('nodeping project: what it can hold', () => {
  const of = (over: Partial<ReturnType<typeof emptyCanonical>>) =>
    project({ ...emptyCanonical(), givenName: 'Ann', ...over });

  it('a phone is an sms address unless labelled voice; a fax is omitted, not written', () => {
    const r = of({
      phones: [
        { value: '+12125550100', label: 'mobile' },
        { value: '+12125550111', label: 'voice' },
        { value: '+12125550122', label: 'fax' },
      ],
    });
    expect(r.projection.phones).toEqual([
      { value: '+12125550100', label: 'sms' },
      { value: '+12125550111', label: 'voice' },
    ]);
    expect(r.omitted).toMatchObject([
      { field: 'phones', value: '+12125550122', reason: 'nodeping cannot send to a fax number' },
    ]);
  });

  it('slack and hipchat chats are written; another app is omitted', () => {
    const r = of({
      chats: [
        { value: '@ann', label: 'slack' },
        { value: 'ann.h', label: 'hipchat' },
        { value: 'ann.s', label: 'skype' },
      ],
    });
    expect(r.projection.chats).toEqual([
      { value: '@ann', label: 'slack' },
      { value: 'ann.h', label: 'hipchat' },
    ]);
    expect(r.omitted).toMatchObject([{ field: 'chats', value: 'ann.s' }]);
  });

  it('an invalid e-mail is not written, but one the contact already holds is kept (not deleted)', () => {
    const r = of({
      emails: [
        { value: 'ann@x.io', label: null },
        { value: 'not-an-email', label: null },
      ],
    });
    expect(r.projection.emails).toEqual([{ value: 'ann@x.io', label: null }]);
    expect(r.omitted).toMatchObject([{ field: 'emails', value: 'not-an-email', keep: true }]);
  });
});
