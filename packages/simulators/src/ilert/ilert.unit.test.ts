import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { IlertPhone, IlertUser } from './schema.ts';

let sb: Sandbox;
beforeAll(async () => {
  sb = await testSandbox();
});
afterAll(() => sb.stop());

const ilert = (path: string, init?: Parameters<typeof call>[3]) => call(sb, 'ilert', path, init);

async function someUserId(): Promise<number> {
  const res = await ilert('/users?max-results=1');
  return (res.body as IlertUser[])[0]!.id;
}

describe('ilert auth', () => {
  it('rejects a missing, wrong, or prefix-less key with 401 and the ilert error body', async () => {
    const missing = await ilert('/users', { auth: false });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const wrong = await ilert('/users', { auth: false, headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const noPrefix = await ilert('/users', { auth: false, headers: { authorization: sb.providers.ilert.credential } });
    expect(noPrefix.status).toBe(401);
  });
});

describe('ilert users', () => {
  it('pages with start-index/max-results as a bare array: default 50, max 100, no overlap', async () => {
    const total = (sb.state('ilert') as { users: unknown[] }).users.length;
    expect(total).toBeGreaterThan(50);
    const first = await ilert('/users');
    expect(first.body as unknown[]).toHaveLength(50);
    const big = await ilert('/users?max-results=500');
    expect((big.body as unknown[]).length).toBe(Math.min(100, total));
    const seen = new Set<number>();
    for (let start = 0; ; start += 40) {
      const page = (await ilert(`/users?start-index=${start}&max-results=40`)).body as IlertUser[];
      for (const u of page) seen.add(u.id);
      if (page.length < 40) break;
    }
    expect(seen.size).toBe(total);
  });

  it('gets one user, the current user, and 404s an unknown one', async () => {
    const id = await someUserId();
    const one = await ilert(`/users/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, firstName: expect.any(String), role: expect.any(String) });
    expect((await ilert('/users/current')).status).toBe(200);
    const missing = await ilert('/users/999999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('resets contacts when a user is PUT with the pre-2023 mobile/landline schema', async () => {
    const user = (await ilert(`/users/${await someUserId()}`)).body as IlertUser;
    await ilert(`/users/${user.id}/contacts/emails`, { method: 'POST', body: { target: 'keep@example.com' } });
    const put = await ilert(`/users/${user.id}`, {
      method: 'PUT',
      body: {
        firstName: user.firstName,
        lastName: user.lastName,
        email: user.email,
        mobile: { regionCode: 'US', number: '+14155550100' },
      },
    });
    expect(put.status).toBe(200);
    expect((await ilert(`/users/${user.id}/contacts/emails`)).body).toEqual([]);
  });
});

describe('ilert email contacts', () => {
  it('creates (201, status OK, read-only status ignored), reads, updates, deletes (204)', async () => {
    const uid = await someUserId();
    const created = await ilert(`/users/${uid}/contacts/emails`, {
      method: 'POST',
      body: { target: 'new.address@example.com', status: 'BLACKLISTED' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), target: 'new.address@example.com', status: 'OK' });
    const id = (created.body as { id: number }).id;
    expect((await ilert(`/users/${uid}/contacts/emails/${id}`)).body).toMatchObject({ id });
    const list = (await ilert(`/users/${uid}/contacts/emails`)).body as { id: number }[];
    expect(list.map((e) => e.id)).toContain(id);
    const updated = await ilert(`/users/${uid}/contacts/emails/${id}`, {
      method: 'PUT',
      body: { target: 'changed@example.com' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, target: 'changed@example.com' });
    expect((await ilert(`/users/${uid}/contacts/emails/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await ilert(`/users/${uid}/contacts/emails/${id}`)).status).toBe(404);
  });

  it('refuses an invalid or duplicate target with 400, and a contact of an unknown user with 404', async () => {
    const uid = await someUserId();
    const bad = await ilert(`/users/${uid}/contacts/emails`, { method: 'POST', body: { target: 'not-an-email' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, message: expect.stringContaining('target') });
    await ilert(`/users/${uid}/contacts/emails`, { method: 'POST', body: { target: 'dup@example.com' } });
    const dup = await ilert(`/users/${uid}/contacts/emails`, { method: 'POST', body: { target: 'DUP@example.com' } });
    expect(dup.status).toBe(400);
    expect((await ilert('/users/999999999/contacts/emails')).status).toBe(404);
  });
});

describe('ilert phone-number contacts', () => {
  it('keeps at most one primary phone number', async () => {
    const uid = await someUserId();
    const phones = (await ilert(`/users/${uid}/contacts/phone-numbers`)).body as IlertPhone[];
    for (const p of phones) await ilert(`/users/${uid}/contacts/phone-numbers/${p.id}`, { method: 'DELETE' });
    const a = await ilert(`/users/${uid}/contacts/phone-numbers`, {
      method: 'POST',
      body: { regionCode: 'US', target: '+14155550100', primary: true },
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ regionCode: 'US', target: '+14155550100', primary: true, status: 'OK' });
    const b = await ilert(`/users/${uid}/contacts/phone-numbers`, {
      method: 'POST',
      body: { regionCode: 'US', target: '+14155550101', primary: true },
    });
    expect(b.status).toBe(400);
    const c = await ilert(`/users/${uid}/contacts/phone-numbers`, {
      method: 'POST',
      body: { regionCode: 'US', target: '(415) 555-0102' },
    });
    expect(c.body).toMatchObject({ primary: false });
    const cid = (c.body as IlertPhone).id;
    expect(
      (await ilert(`/users/${uid}/contacts/phone-numbers/${cid}`, { method: 'PUT', body: { primary: true } })).status,
    ).toBe(400);
    const aid = (a.body as IlertPhone).id;
    await ilert(`/users/${uid}/contacts/phone-numbers/${aid}`, { method: 'PUT', body: { primary: false } });
    const moved = await ilert(`/users/${uid}/contacts/phone-numbers/${cid}`, {
      method: 'PUT',
      body: { primary: true },
    });
    expect(moved.status).toBe(200);
    const after = (await ilert(`/users/${uid}/contacts/phone-numbers`)).body as IlertPhone[];
    expect(after.filter((p) => p.primary).map((p) => p.id)).toEqual([cid]);
  });

  it('validates regionCode and target, and 404s unknown ids', async () => {
    const uid = await someUserId();
    const noRegion = await ilert(`/users/${uid}/contacts/phone-numbers`, {
      method: 'POST',
      body: { target: '+14155550100' },
    });
    expect(noRegion.status).toBe(400);
    const badTarget = await ilert(`/users/${uid}/contacts/phone-numbers`, {
      method: 'POST',
      body: { regionCode: 'US', target: 'call me' },
    });
    expect(badTarget.status).toBe(400);
    expect((await ilert(`/users/${uid}/contacts/phone-numbers/1`)).status).toBe(404);
    expect((await ilert(`/users/${uid}/contacts/phone-numbers/1`, { method: 'DELETE' })).status).toBe(404);
  });
});
