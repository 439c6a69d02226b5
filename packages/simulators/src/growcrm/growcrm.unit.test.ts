import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { GrowContact } from './schema.ts';

let sb: Sandbox;
beforeAll(async () => {
  sb = await testSandbox();
});
afterAll(() => sb.stop());

const gc = (path: string, init?: Parameters<typeof call>[3]) => call(sb, 'growcrm', path, init);
type ListBody = {
  data: GrowContact[];
  meta: { current_page: number; last_page: number; per_page: number; total: number };
  message: string;
};

let n = 0;
const newContact = (extra: Record<string, unknown> = {}) => ({
  first_name: 'Grace',
  last_name: 'Hopper',
  email: `grace.${++n}@example.com`,
  clientid: 1,
  ...extra,
});

describe('growcrm auth', () => {
  it('answers 401 with the documented message', async () => {
    const res = await gc('/contacts', { auth: false });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Unauthorized. A valid API key is required.' });
  });
});

describe('growcrm list', () => {
  it('pages with page/limit in the {data, meta, message} envelope; default 15; every contact once', async () => {
    const first = (await gc('/contacts')).body as ListBody;
    expect(first.data).toHaveLength(15);
    expect(first.meta).toMatchObject({ current_page: 1, per_page: 15 });
    const ids = new Set<number>();
    for (let page = 1; page <= Math.ceil(first.meta.total / 100); page++) {
      const body = (await gc(`/contacts?limit=100&page=${page}`)).body as ListBody;
      for (const c of body.data) ids.add(c.id);
    }
    expect(ids.size).toBe(first.meta.total);
  });

  it('refuses limit above 100 with 422', async () => {
    const res = await gc('/contacts?limit=101');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ errors: { limit: [expect.stringContaining('100')] } });
  });

  it('sorts, orders, searches, and filters by client and account owner', async () => {
    const asc = ((await gc('/contacts?sort=email&limit=100')).body as ListBody).data.map((c) => c.email.toLowerCase());
    expect(asc).toEqual([...asc].sort());
    const desc = ((await gc('/contacts?sort=email&order=desc&limit=100')).body as ListBody).data.map((c) =>
      c.email.toLowerCase(),
    );
    expect(desc).toEqual([...desc].sort().reverse());
    const target = ((await gc('/contacts?limit=1&page=3')).body as ListBody).data[0]!;
    const found = ((await gc(`/contacts?search=${encodeURIComponent(target.email.toUpperCase())}`)).body as ListBody)
      .data;
    expect(found.map((c) => c.id)).toContain(target.id);
    const byClient = ((await gc('/contacts?client_id=2&limit=100')).body as ListBody).data;
    expect(byClient.length).toBeGreaterThan(0);
    expect(byClient.every((c) => c.client?.id === 2)).toBe(true);
    const owners = ((await gc('/contacts?account_owner=yes&limit=100')).body as ListBody).data;
    expect(owners.every((c) => c.account_owner === 'yes')).toBe(true);
    expect((await gc('/contacts?sort=shoe_size')).status).toBe(422);
  });
});

describe('growcrm create / update / delete', () => {
  it('creates (201) with server-set id, name, account_owner no and Laravel dates', async () => {
    const res = await gc('/contacts', { method: 'POST', body: newContact({ phone: '555-0100', position: 'Admiral' }) });
    expect(res.status).toBe(201);
    const body = res.body as { data: GrowContact; message: string };
    expect(body.message).toBe('Contact created successfully.');
    expect(body.data).toMatchObject({
      first_name: 'Grace',
      name: 'Grace Hopper',
      phone: '555-0100',
      job_position: 'Admiral',
      account_owner: 'no',
      status: 'active',
      client: { id: 1 },
    });
    expect(body.data.dates.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect((await gc(`/contacts/${body.data.id}`)).body).toEqual({
      data: body.data,
      message: 'Contact retrieved successfully.',
    });
  });

  it('refuses missing fields, a bad email, an unknown client, a duplicate or a team email with 422', async () => {
    const missing = await gc('/contacts', { method: 'POST', body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      message: 'The first name field is required. (and 3 more errors)',
      errors: {
        first_name: ['The first name field is required.'],
        last_name: ['The last name field is required.'],
        email: ['The email field is required.'],
        clientid: ['The clientid field is required.'],
      },
    });
    const badEmail = await gc('/contacts', { method: 'POST', body: newContact({ email: 'nope' }) });
    expect(badEmail.body).toMatchObject({ errors: { email: ['The email field must be a valid email address.'] } });
    const noClient = await gc('/contacts', { method: 'POST', body: newContact({ clientid: 9999 }) });
    expect(noClient.body).toMatchObject({ errors: { clientid: ['The selected clientid is invalid.'] } });
    const first = newContact();
    await gc('/contacts', { method: 'POST', body: first });
    const dup = await gc('/contacts', { method: 'POST', body: newContact({ email: first.email.toUpperCase() }) });
    expect(dup.status).toBe(422);
    expect(dup.body).toEqual({
      message: 'The email has already been taken.',
      errors: { email: ['The email has already been taken.'] },
    });
    const team = await gc('/contacts', {
      method: 'POST',
      body: newContact({ email: 'admin@growcrm-sandbox.example.com' }),
    });
    expect(team.status).toBe(422);
  });

  it('PUT requires first/last/email, keeps uniqueness ignoring itself, and never changes account_owner', async () => {
    const a = ((await gc('/contacts', { method: 'POST', body: newContact() })).body as { data: GrowContact }).data;
    const b = ((await gc('/contacts', { method: 'POST', body: newContact() })).body as { data: GrowContact }).data;
    expect((await gc(`/contacts/${a.id}`, { method: 'PUT', body: { first_name: 'X' } })).status).toBe(422);
    const same = await gc(`/contacts/${a.id}`, {
      method: 'PUT',
      body: { first_name: 'Amazing', last_name: 'Grace', email: a.email, account_owner: 'yes' },
    });
    expect(same.status).toBe(200);
    expect((same.body as { data: GrowContact }).data).toMatchObject({ name: 'Amazing Grace', account_owner: 'no' });
    const taken = await gc(`/contacts/${a.id}`, {
      method: 'PUT',
      body: { first_name: 'A', last_name: 'B', email: b.email },
    });
    expect(taken.status).toBe(422);
    expect(
      (
        await gc('/contacts/999999', {
          method: 'PUT',
          body: { first_name: 'A', last_name: 'B', email: 'q@example.com' },
        })
      ).status,
    ).toBe(404);
  });

  it('soft-deletes: 200, then 404 on get and gone from lists (but listed under status=deleted)', async () => {
    const c = ((await gc('/contacts', { method: 'POST', body: newContact() })).body as { data: GrowContact }).data;
    const del = await gc(`/contacts/${c.id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ message: 'Contact deleted successfully.' });
    const gone = await gc(`/contacts/${c.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ message: 'Contact not found.' });
    expect((await gc(`/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(404);
    const search = ((await gc(`/contacts?search=${c.email}`)).body as ListBody).data;
    expect(search).toEqual([]);
    const deleted = ((await gc(`/contacts?status=deleted&search=${c.email}`)).body as ListBody).data;
    expect(deleted.map((d) => d.id)).toEqual([c.id]);
  });

  it('sets the account owner through its own action (one per client); 409 without a client', async () => {
    const c = (
      (await gc('/contacts', { method: 'POST', body: newContact({ clientid: 3 }) })).body as { data: GrowContact }
    ).data;
    const res = await gc(`/contacts/${c.id}/account-owner`, { method: 'PUT' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      data: { id: c.id, account_owner: 'yes' },
      message: 'Contact set as account owner successfully.',
    });
    const owners = ((await gc('/contacts?client_id=3&account_owner=yes&limit=100')).body as ListBody).data;
    expect(owners.map((o) => o.id)).toEqual([c.id]);
    const orphan = sb.sim.growcrm.insert({
      first_name: 'No',
      last_name: 'Client',
      email: 'orphan@example.com',
      clientId: null,
    });
    const conflict = await gc(`/contacts/${orphan.id}/account-owner`, { method: 'PUT' });
    expect(conflict.status).toBe(409);
    expect((await gc('/contacts/999999/account-owner', { method: 'PUT' })).status).toBe(404);
  });
});

describe('growcrm search by address (indexed by domain)', () => {
  it('finds every contact whose fields contain the text, in id order, and follows edits and deletes', async () => {
    const { GrowState } = await import('./state.ts');
    const s = new GrowState();
    const a = s.insert({ first_name: 'Ann', last_name: 'Lee', email: 'ann@x.example', clientId: null });
    const b = s.insert({ first_name: 'Jo', last_name: 'Ann', email: 'joann@x.example', clientId: null });
    const c = s.insert({ first_name: 'Odd', last_name: 'ann@x.example', email: 'odd@y.example', clientId: null });
    const ids = (search: string) => s.view({ search } as never).map((r) => r.id);
    expect(ids('ann@x.example')).toEqual([a.id, b.id, c.id]);
    expect(ids('ANN@X')).toEqual([a.id, b.id, c.id]);
    s.update(a.id, { email: 'ann@z.example' });
    expect(ids('ann@x.example')).toEqual([b.id, c.id]);
    expect(ids('ann@z')).toEqual([a.id]);
    s.softDelete(b.id);
    expect(ids('ann@x.example')).toEqual([c.id]);
  });

  it('a needle with a short or a long local part finds short and long addresses alike', async () => {
    const { GrowState } = await import('./state.ts');
    const s = new GrowState();
    const an = s.insert({ first_name: 'A', last_name: 'N', email: 'an@x.example', clientId: null });
    const dan = s.insert({ first_name: 'D', last_name: 'An', email: 'Dan@x.example.org', clientId: null });
    const jordan = s.insert({ first_name: 'Jor', last_name: 'Dan', email: 'jordan@x.example', clientId: null });
    const ids = (search: string) => s.view({ search } as never).map((r) => r.id);
    expect(ids('n@x.example')).toEqual([an.id, dan.id, jordan.id]);
    expect(ids('dan@x.example')).toEqual([dan.id, jordan.id]);
    expect(ids('rdan@x.')).toEqual([jordan.id]);
    expect(ids('an@x.example.org')).toEqual([dan.id]);
    expect(ids('xdan@x.example')).toEqual([]);
  });
});
