import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { ProviderKey } from '../types.ts';

let sb: Sandbox;
beforeAll(async () => {
  sb = await testSandbox({ contacts: 200 });
});
afterAll(() => sb.stop());

// biome-ignore lint/suspicious/noExplicitAny: free-form JSON answers, checked field by field below
type Json = any;
const control = async (path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: Json }> => {
  const res = await fetch(`${sb.url}/_control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
};

const CHURCHPAD = '/api/unified-communications/contacts';

/** The first page of a listing, as each connector asks for it, and its documented empty answer. */
const FIRST_PAGES: Record<ProviderKey, { path: string; empty: unknown }> = {
  ilert: { path: '/users?start-index=0&max-results=50', empty: [] },
  churchpad: { path: `${CHURCHPAD}?limit=100&offset=0`, empty: { count: 0, next: null, previous: null, results: [] } },
  nodeping: { path: '/contacts', empty: {} },
  growcrm: {
    path: '/contacts?sort=created&order=asc&limit=100&page=1',
    empty: {
      data: [],
      meta: { current_page: 1, last_page: 1, per_page: 100, total: 0, from: null, to: null },
      message: 'Contacts retrieved successfully.',
    },
  },
  'r-service': { path: '/people?per_page=100', empty: [] },
};

const isEmpty = (body: Json) => (Array.isArray(body) ? body.length === 0 : Object.keys(body).length === 0);

describe('emptyList', () => {
  for (const provider of Object.keys(FIRST_PAGES) as ProviderKey[]) {
    it(`${provider}: the next N listings are empty in the documented shape, then lists are normal`, async () => {
      const { path, empty } = FIRST_PAGES[provider];
      const before = await call(sb, provider, path);
      expect(before.status).toBe(200);
      const armed = await control(`/scenarios/${provider}/empty-list`, 'POST', { count: 2 });
      expect(armed.status).toBe(200);
      expect(armed.body.emptyList[provider]).toBe(2);
      expect((await control('')).body.scenarios.emptyList[provider]).toBe(2);

      for (let i = 0; i < 2; i++) {
        const res = await call(sb, provider, path);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(empty);
      }
      const after = await call(sb, provider, path);
      expect(after.body).toEqual(before.body);
      expect(isEmpty(after.body)).toBe(false);
      expect((await control('')).body.scenarios.emptyList[provider]).toBeUndefined();
      const log = sb.requests(provider).slice(-3);
      expect(log.map((e) => e.scenario)).toEqual(['emptyList', 'emptyList', undefined]);
    });
  }

  it('r-service: the empty page carries the pagination headers of 0 entries', async () => {
    sb.scenarios.emptyList('r-service');
    const res = await call(sb, 'r-service', '/people?per_page=100');
    expect(res.body).toEqual([]);
    expect(res.headers.get('x-pagination-total-entries')).toBe('0');
    expect(res.headers.get('link')).not.toContain('rel="next"');
  });

  it('counts listings, not pages: a later page and a search are not used up and answer normally', async () => {
    sb.scenarios.emptyList('churchpad', 1);
    const page2 = await call(sb, 'churchpad', `${CHURCHPAD}?limit=10&offset=10`);
    expect((page2.body as Json).results).toHaveLength(10);
    sb.scenarios.emptyList('growcrm', 1);
    const someone = sb.sim.growcrm.view({})[0]!;
    const search = await call(sb, 'growcrm', `/contacts?search=${encodeURIComponent(someone.email)}`);
    expect((search.body as Json).data.map((c: Json) => c.id)).toContain(someone.id);
    expect(sb.scenarios.pending().emptyList).toEqual({ churchpad: 1, growcrm: 1 });
    expect((await call(sb, 'churchpad', CHURCHPAD)).body).toMatchObject({ count: 0, results: [] });
    expect(isEmpty((await call(sb, 'churchpad', CHURCHPAD)).body as Json)).toBe(false);
    sb.scenarios.emptyList('growcrm', 0);
    expect(sb.scenarios.pending().emptyList).toEqual({});
  });

  it('refuses a bad count or provider', async () => {
    expect((await control('/scenarios/churchpad/empty-list', 'POST', { count: -1 })).status).toBe(400);
    expect((await control('/scenarios/churchpad/empty-list', 'POST', { count: 1, extra: true })).status).toBe(400);
    expect((await control('/scenarios/nope/empty-list', 'POST', {})).status).toBe(400);
  });
});

describe('corrupt', () => {
  it('growcrm: the email becomes a number in the next listing, and searches still work', async () => {
    const target = sb.sim.growcrm.view({})[3]!;
    const res = await control('/scenarios/growcrm/corrupt', 'POST', { id: target.id, path: 'email', value: 12345 });
    expect(res.status).toBe(200);
    const list = await call(sb, 'growcrm', '/contacts?limit=100&page=1');
    const row = (list.body as Json).data.find((c: Json) => c.id === target.id);
    expect(row.email).toBe(12345);
    expect((await call(sb, 'growcrm', '/contacts?search=12345')).status).toBe(200);
    expect((await call(sb, 'growcrm', '/contacts?sort=email&limit=5')).status).toBe(200);
  });

  it('ilert: a contact method status outside the enum (emails.0.status)', async () => {
    const user = sb.sim.ilert.listUsers().find((u) => sb.sim.ilert.listEmails(u.id).length > 0)!;
    const res = await control('/scenarios/ilert/corrupt', 'POST', {
      id: String(user.id),
      path: 'emails.0.status',
      value: 'SUSPENDED',
    });
    expect(res.status).toBe(200);
    const emails = await call(sb, 'ilert', `/users/${user.id}/contacts/emails`);
    expect((emails.body as Json)[0].status).toBe('SUSPENDED');
  });

  it('r-service: a contact value of 300 characters (contacts.0.<kind>)', async () => {
    const person = sb.sim['r-service'].page(0, 1000).find((p) => {
      const c = sb.sim['r-service'].listContacts(p.id)?.[0];
      return c?.email !== undefined;
    })!;
    const long = 'x'.repeat(300);
    const res = await control('/scenarios/r-service/corrupt', 'POST', {
      id: String(person.id),
      path: 'contacts.0.email',
      value: long,
    });
    expect(res.status).toBe(200);
    const contacts = await call(sb, 'r-service', `/people/${person.id}/contacts`);
    expect((contacts.body as Json)[0].email).toBe(long);
  });

  it('churchpad and nodeping: a top-level field and an address by its id', async () => {
    const contact = sb.sim.churchpad.page(5, 1)[0]!;
    sb.scenarios.corrupt('churchpad', contact.id, 'email', { not: 'an email' });
    const page = await call(sb, 'churchpad', `${CHURCHPAD}?limit=1&offset=5`);
    expect((page.body as Json).results[0].email).toEqual({ not: 'an email' });

    const [id, np] = Object.entries(sb.sim.nodeping.list())[1]!;
    const addressId = Object.keys(np.addresses)[0]!;
    await control('/scenarios/nodeping/corrupt', 'POST', { id, path: `addresses.${addressId}.address`, value: null });
    const list = await call(sb, 'nodeping', '/contacts');
    expect((list.body as Json)[id].addresses[addressId].address).toBeNull();
  });

  it('404 for an unknown id, 400 for a path that is not there', async () => {
    expect(
      (await control('/scenarios/growcrm/corrupt', 'POST', { id: '999999', path: 'email', value: 1 })).status,
    ).toBe(404);
    expect((await control('/scenarios/ilert/corrupt', 'POST', { id: 'abc', path: 'email', value: 1 })).status).toBe(
      404,
    );
    const user = sb.sim.ilert.listUsers()[0]!;
    const bad = (path: string) => control('/scenarios/ilert/corrupt', 'POST', { id: String(user.id), path, value: 1 });
    expect((await bad('emails.99.status')).status).toBe(400);
    expect((await bad('emails')).status).toBe(400);
    expect((await bad('nothing.here')).status).toBe(400);
    expect((await bad('__proto__.x')).status).toBe(400);
    expect((await control('/scenarios/ilert/corrupt', 'POST', { id: String(user.id), path: 'email' })).status).toBe(
      400,
    );
  });
});

describe('sharedLandline', () => {
  it('two ChurchPad members and a NodePing family contact share a landline nobody seeded holds', async () => {
    const res = await control('/scenarios/shared-landline', 'POST', {});
    expect(res.status).toBe(200);
    const { phone, churchpad, nodeping } = res.body;
    expect(phone).toMatch(/^\+4930\d{7}$/);
    const digits = phone.slice(3);
    for (const p of sb.people) {
      for (const n of [p.phone, p.mobile]) {
        if (n) expect(n.national.replace(/\D/g, '').replace(/^0+/, '')).not.toBe(digits);
      }
    }

    const [a, b] = await Promise.all(
      churchpad.map(async (id: string) => (await call(sb, 'churchpad', `${CHURCHPAD}/${id}`)).body as Json),
    );
    expect(a.phone).toBe(phone);
    expect(b.phone).toBe(phone);
    expect(a.first_name).not.toBe(b.first_name);
    expect(a.email).not.toBe(b.email);

    const family = (await call(sb, 'nodeping', `/contacts/${nodeping}`)).body as Json;
    expect(family.name).toBe(`${a.last_name} Family`);
    expect(Object.values(family.addresses)).toEqual([{ address: phone, type: 'voice' }]);

    // A second call takes another free number; a seeded person's number is refused.
    expect(sb.scenarios.sharedLandline().phone).not.toBe(phone);
    expect((await control('/scenarios/shared-landline', 'POST', { phone: sb.people[0]!.phone.e164 })).status).toBe(400);
    expect((await control('/scenarios/shared-landline', 'POST', { phone: '030 1234' })).status).toBe(400);
    const chosen = await control('/scenarios/shared-landline', 'POST', { phone: '+493019999999' });
    expect(chosen.body.phone).toBe('+493019999999');
  });
});

describe('deleteAfterCreate', () => {
  it('churchpad: the create answers 201, then the contact is gone', async () => {
    expect((await control('/scenarios/churchpad/delete-after-create', 'POST', {})).body.deleteAfterCreate).toEqual({
      churchpad: 1,
    });
    const body = { first_name: 'Gone', last_name: 'Soon', phone: '5550100', email: 'gone@example.com' };
    const created = await call(sb, 'churchpad', CHURCHPAD, { method: 'POST', body });
    expect(created.status).toBe(201);
    const id = (created.body as Json).id;
    expect((await call(sb, 'churchpad', `${CHURCHPAD}/${id}`)).status).toBe(404);
    expect(sb.requests('churchpad').at(-2)?.scenario).toBe('deleteAfterCreate');
    const kept = await call(sb, 'churchpad', CHURCHPAD, { method: 'POST', body });
    expect((await call(sb, 'churchpad', `${CHURCHPAD}/${(kept.body as Json).id}`)).status).toBe(200);
  });

  it('growcrm: soft-deleted (404, gone from lists, listed with status=deleted)', async () => {
    sb.scenarios.deleteAfterCreate('growcrm', 2);
    const ids: number[] = [];
    for (const email of ['ghost.one@example.com', 'ghost.two@example.com']) {
      const res = await call(sb, 'growcrm', '/contacts', {
        method: 'POST',
        body: { first_name: 'Ghost', last_name: 'Contact', email, clientid: 1 },
      });
      expect(res.status).toBe(201);
      ids.push((res.body as Json).data.id);
    }
    for (const id of ids) expect((await call(sb, 'growcrm', `/contacts/${id}`)).status).toBe(404);
    const live = await call(sb, 'growcrm', '/contacts?search=ghost');
    expect((live.body as Json).data).toEqual([]);
    const deleted = await call(sb, 'growcrm', '/contacts?status=deleted&limit=100');
    expect((deleted.body as Json).data.map((c: Json) => c.id)).toEqual(expect.arrayContaining(ids));
    expect(sb.scenarios.pending().deleteAfterCreate).toEqual({});
  });

  it('nodeping: a failed create does not use it up; the next real one is deleted', async () => {
    await control('/scenarios/nodeping/delete-after-create', 'POST', { count: 1 });
    const refused = await call(sb, 'nodeping', '/contacts', { method: 'POST', body: { name: 'No addresses' } });
    expect((refused.body as Json).error).toBeDefined();
    expect(sb.scenarios.pending().deleteAfterCreate).toEqual({ nodeping: 1 });
    const created = await call(sb, 'nodeping', '/contacts', {
      method: 'POST',
      body: { name: 'Brief', newaddresses: [{ address: 'brief@example.com', type: 'email' }] },
    });
    const id = (created.body as Json)._id;
    expect(id).toMatch(/-/);
    expect((await call(sb, 'nodeping', `/contacts/${id}`)).body).toEqual({});
  });

  it('400 for providers whose API does not create contacts', async () => {
    expect((await control('/scenarios/ilert/delete-after-create', 'POST', {})).status).toBe(400);
    expect((await control('/scenarios/r-service/delete-after-create', 'POST', { count: 1 })).status).toBe(400);
    expect(() => sb.scenarios.deleteAfterCreate('r-service')).toThrow(/not created/);
  });
});

describe('shiftList', () => {
  const ids = (body: Json, key: 'results' | 'data'): string[] => body[key].map((c: Json) => String(c.id));

  it('churchpad: an insert between two pages shows the last row of page 1 again on page 2; a delete skips one', async () => {
    const page = async (offset: number): Promise<Json> =>
      (await call(sb, 'churchpad', `${CHURCHPAD}?limit=5&offset=${offset}`)).body;
    const before = await page(0);
    expect((await control('/scenarios/churchpad/shift-list', 'POST', { change: 'insert' })).body.shiftList).toEqual({
      churchpad: { change: 'insert', count: 1 },
    });
    const p1 = await page(0);
    const p2 = await page(5);
    expect(ids(p2, 'results')[0]).toBe(ids(p1, 'results')[4]);
    expect(p2.count).toBe(before.count + 1);
    expect(sb.requests('churchpad').at(-2)?.scenario).toBe('shiftList');

    sb.scenarios.shiftList('churchpad', 'delete');
    const q1 = await page(0); // its first row is deleted once it has answered
    const q2 = await page(5);
    const skipped = ids(await page(0), 'results')[4]; // was the sixth row when page 1 was read
    expect(q2.count).toBe(q1.count - 1);
    expect([...ids(q1, 'results'), ...ids(q2, 'results')]).not.toContain(skipped);
  });

  it('growcrm: an insert dated before every other sorts first and shifts later pages; a delete of the oldest skips one', async () => {
    const path = (p: number) => `/contacts?sort=created&order=asc&limit=5&page=${p}`;
    const get = async (p: number): Promise<Json> => (await call(sb, 'growcrm', path(p))).body;
    const p1 = await get(1);
    sb.scenarios.shiftList('growcrm', 'insert');
    const again = await get(1);
    expect(ids(again, 'data')).toEqual(ids(p1, 'data'));
    const p2 = await get(2);
    expect(ids(p2, 'data')[0]).toBe(ids(p1, 'data')[4]);
    expect(p2.meta.total).toBe(p1.meta.total + 1);

    sb.scenarios.shiftList('growcrm', 'delete');
    const d1 = await get(1);
    const d2 = await get(2);
    expect(d2.meta.total).toBe(p2.meta.total - 1);
    expect(ids(d2, 'data')[0]).not.toBe(ids(d1, 'data')[4]);
    expect(ids(d1, 'data')).not.toContain(ids(d2, 'data')[0]);
    expect(sb.scenarios.pending().shiftList).toEqual({});
  });
});
