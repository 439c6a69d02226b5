import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { NodepingContact } from './schema.ts';

let sb: Sandbox;
let token: string;
beforeAll(async () => {
  sb = await testSandbox();
  token = sb.providers.nodeping.credential;
});
afterAll(() => sb.stop());

const np = (path: string, init?: Parameters<typeof call>[3]) => call(sb, 'nodeping', path, init);

/** The doc's curl style: `-d 'json={...}'` as a form body. */
const form = (fields: Record<string, unknown>, method = 'POST', path = '/contacts') =>
  np(path, {
    method,
    raw: new URLSearchParams({ json: JSON.stringify(fields) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

const create = async (
  name: string,
  addresses: Record<string, unknown>[] = [{ address: `${name.toLowerCase()}@example.com`, type: 'email' }],
) => (await form({ name, newaddresses: addresses })).body as NodepingContact;

describe('nodeping auth', () => {
  it('accepts the token as query param, Basic username, or json field; rejects others with 200 {error}', async () => {
    expect((await np(`/contacts?token=${token}`, { auth: false })).body).not.toHaveProperty('error');
    expect((await np('/contacts')).body).not.toHaveProperty('error');
    const viaJson = await np('/contacts', {
      auth: false,
      method: 'POST',
      raw: new URLSearchParams({ json: JSON.stringify({ token, action: 'get' }) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(viaJson.body).not.toHaveProperty('error');
    const none = await np('/contacts', { auth: false });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ error: expect.any(String) });
    const wrong = await np('/contacts?token=WRONG', { auth: false });
    expect(wrong.body).toHaveProperty('error');
  });

  it('uses the documented 403 when switched to documented error statuses', async () => {
    sb.sim.nodeping.errorStatus = 'documented';
    try {
      expect((await np('/contacts', { auth: false })).status).toBe(403);
      expect((await np('/contacts/NOPE', { method: 'DELETE' })).status).toBe(400);
    } finally {
      sb.sim.nodeping.errorStatus = 'observed';
    }
  });
});

describe('nodeping contacts', () => {
  it('lists a map keyed by contact id and gets one; a missing one is 200 {}', async () => {
    const list = (await np('/contacts')).body as Record<string, NodepingContact>;
    const [id, contact] = Object.entries(list)[0]!;
    expect(contact._id).toBe(id);
    expect(contact).toMatchObject({ type: 'contact', customer_id: sb.providers.nodeping.options.customerId });
    expect((await np(`/contacts/${id}`)).body).toEqual(contact);
    expect((await np(`/contacts?id=${id}`)).body).toEqual(contact);
    const missing = await np('/contacts/NOPE-NOPE');
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({});
  });

  it('creates from newaddresses (json= form field) with generated ids; default custrole view', async () => {
    const c = await create('Sam', [
      { address: 'sam@example.com', type: 'email' },
      { address: '+14155550100', type: 'sms', mute: true },
    ]);
    expect(c._id).toMatch(new RegExp(`^${sb.providers.nodeping.options.customerId}-[A-Z0-9]{8}$`));
    expect(c).toMatchObject({ name: 'Sam', custrole: 'view', sdomain: 'nodeping.com' });
    const addrs = Object.entries(c.addresses);
    expect(addrs).toHaveLength(2);
    for (const [aid] of addrs) expect(aid).toMatch(/^[A-Z0-9]{8}$/);
    expect(addrs.map(([, a]) => a)).toContainEqual({ address: '+14155550100', type: 'sms', mute: true });
  });

  it('refuses a POST without newaddresses, a bad address type, a bad custrole, or a bad email', async () => {
    for (const body of [
      { name: 'X' },
      { name: 'X', newaddresses: [] },
      { name: 'X', newaddresses: [{ address: 'x', type: 'carrier-pigeon' }] },
      { name: 'X', custrole: 'owner', newaddresses: [{ address: 'x@example.com', type: 'email' }] },
      { name: 'X', newaddresses: [{ address: 'not-an-email', type: 'email' }] },
    ]) {
      const res = await form(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
  });

  it('PUT with addresses replaces the whole set; newaddresses append; without addresses the set is kept', async () => {
    const c = await create('Rita', [
      { address: 'rita@example.com', type: 'email' },
      { address: '+14155550111', type: 'voice' },
    ]);
    const [keepId] = Object.keys(c.addresses);
    const replaced = (
      await form(
        { addresses: { [keepId!]: { address: 'rita@new.example.com', suppressfirst: true } } },
        'PUT',
        `/contacts/${c._id}`,
      )
    ).body as NodepingContact;
    expect(Object.keys(replaced.addresses)).toEqual([keepId]);
    expect(replaced.addresses[keepId!]).toMatchObject({
      address: 'rita@new.example.com',
      type: 'email',
      suppressfirst: true,
    });
    const appended = (
      await form(
        { name: 'Rita B', newaddresses: [{ address: 'rb@example.com', type: 'email' }] },
        'PUT',
        `/contacts/${c._id}`,
      )
    ).body as NodepingContact;
    expect(appended.name).toBe('Rita B');
    expect(Object.keys(appended.addresses)).toHaveLength(2);
    const unknown = await form({ addresses: { ZZZZZZZZ: { address: 'x@example.com' } } }, 'PUT', `/contacts/${c._id}`);
    expect(unknown.body).toHaveProperty('error');
    const empty = await form({ addresses: {} }, 'PUT', `/contacts/${c._id}`);
    expect(empty.body).toHaveProperty('error');
    expect(Object.keys(((await np(`/contacts/${c._id}`)).body as NodepingContact).addresses)).toHaveLength(2);
  });

  it('takes a raw JSON body, whose values override the query string', async () => {
    const c = await create('Quinn');
    const res = await np(`/contacts/${c._id}?name=FromQuery`, { method: 'PUT', body: { name: 'FromJson' } });
    expect((res.body as NodepingContact).name).toBe('FromJson');
    const q = await np(`/contacts/${c._id}?name=OnlyQuery`, { method: 'PUT' });
    expect((q.body as NodepingContact).name).toBe('OnlyQuery');
  });

  it('DELETE answers {ok,id}; a missing contact answers 200 {error}; ?action=delete counts as a write', async () => {
    const c = await create('Del');
    expect((await np(`/contacts/${c._id}`, { method: 'DELETE' })).body).toEqual({ ok: true, id: c._id });
    expect((await np(`/contacts/${c._id}`, { method: 'DELETE' })).body).toEqual({
      error: 'Unable to find that contact',
    });
    const d = await create('Del2');
    sb.clearRequests();
    const viaAction = await np(`/contacts/${d._id}?action=delete`);
    expect(viaAction.body).toEqual({ ok: true, id: d._id });
    expect(sb.writeCount('nodeping')).toBe(1);
    expect(sb.requests('nodeping')[0]).toMatchObject({ method: 'GET', effectiveMethod: 'DELETE', isWrite: true });
  });

  it('RESETPASSWORD answers {success:true} and writes nothing', async () => {
    const c = await create('Pw');
    sb.clearRequests();
    expect((await np(`/contacts/${c._id}?action=RESETPASSWORD`)).body).toEqual({ success: true });
    expect(sb.writeCount('nodeping')).toBe(0);
  });

  it('keeps sub-account contacts apart: visible only with their customerid', async () => {
    const [sub] = sb.providers.nodeping.options.subaccounts as string[];
    const created = (
      await form({ customerid: sub, name: 'Subby', newaddresses: [{ address: 'subby@example.com', type: 'email' }] })
    ).body as NodepingContact;
    expect(created.customer_id).toBe(sub);
    expect((await np(`/contacts/${created._id}`)).body).toEqual({});
    expect((await np(`/contacts/${created._id}?customerid=${sub}`)).body).toMatchObject({ name: 'Subby' });
    const subList = (await np(`/contacts?customerid=${sub}`)).body as Record<string, NodepingContact>;
    expect(Object.values(subList).every((c) => c.customer_id === sub)).toBe(true);
    expect((await np('/contacts?customerid=NOTMINE')).body).toHaveProperty('error');
  });
});
