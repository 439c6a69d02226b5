import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { RServiceContact, RServicePerson } from './schema.ts';

let sb: Sandbox;
beforeAll(async () => {
  // Route behaviour, request after request: unlimited (the limits have their own tests in shared/limits).
  sb = await testSandbox({ limits: 'none' });
});
afterAll(() => sb.stop());

const rs = (path: string, init?: Parameters<typeof call>[3]) => call(sb, 'r-service', path, init);

function nextLink(link: string | null): string | null {
  return /<([^>]+)>; rel="next"/.exec(link ?? '')?.[1] ?? null;
}

async function personId(): Promise<number> {
  return ((await rs('/people?per_page=1')).body as RServicePerson[])[0]!.id;
}

describe('r-service auth', () => {
  it('needs both the bearer token and the account header (401 {message})', async () => {
    const none = await rs('/people', { auth: false });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ message: expect.any(String) });
    const noAccount = await rs('/people', {
      auth: false,
      headers: { authorization: `Bearer ${sb.providers['r-service'].credential}` },
    });
    expect(noAccount.status).toBe(401);
    const wrongAccount = await rs('/people', {
      auth: false,
      headers: { authorization: `Bearer ${sb.providers['r-service'].credential}`, 'x-4me-account': 'someone-else' },
    });
    expect(wrongAccount.status).toBe(401);
  });
});

describe('r-service people pagination', () => {
  it('uses per_page (default 20, max 100) with Link rel=next absolute URLs and X-Pagination headers', async () => {
    const def = await rs('/people');
    expect(def.body as unknown[]).toHaveLength(20);
    expect(def.headers.get('x-pagination-per-page')).toBe('20');
    const total = Number(def.headers.get('x-pagination-total-entries'));
    expect(Number(def.headers.get('x-pagination-total-pages'))).toBe(Math.ceil(total / 20));
    expect((await rs('/people?per_page=500')).headers.get('x-pagination-per-page')).toBe('100');
    const ids = new Set<number>();
    let url: string | null = `${sb.providers['r-service'].baseUrl}/people?per_page=30`;
    const headers = {
      authorization: `Bearer ${sb.providers['r-service'].credential}`,
      'x-4me-account': 'northwind-it',
    };
    while (url) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r-service\/v1\/people\?/);
      const res = await fetch(url, { headers });
      for (const p of (await res.json()) as RServicePerson[]) ids.add(p.id);
      url = nextLink(res.headers.get('link'));
    }
    expect(ids.size).toBe(total);
  });

  it('answers rate-limit headers on every response, and 304 for a matching If-None-Match', async () => {
    const res = await rs('/people?per_page=1');
    expect(res.headers.get('x-ratelimit-limit')).toBe('3600');
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(3600);
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const etag = res.headers.get('etag')!;
    const again = await rs('/people?per_page=1', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('gets a person, lists enabled ones, and 404s unknown ids', async () => {
    const id = await personId();
    expect((await rs(`/people/${id}`)).body).toMatchObject({
      id,
      name: expect.any(String),
      primary_email: expect.any(String),
    });
    const enabled = (await rs('/people/enabled?per_page=100')).body as RServicePerson[];
    expect(enabled.every((p) => !p.disabled)).toBe(true);
    const missing = await rs('/people/99999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'Not Found' });
  });
});

describe('r-service person contacts', () => {
  it('adds (201), lists (without integration), gets (with integration), updates (200) and removes (204)', async () => {
    const pid = await personId();
    const created = await rs(`/people/${pid}/contacts`, {
      method: 'POST',
      body: { label: 'mobile', telephone: '+1 415 555 0100' },
    });
    expect(created.status).toBe(201);
    const c = created.body as RServiceContact;
    expect(c).toEqual({ label: 'mobile', id: expect.any(Number), telephone: '+1 415 555 0100', integration: false });
    const list = (await rs(`/people/${pid}/contacts`)).body as RServiceContact[];
    const listed = list.find((x) => x.id === c.id);
    expect(listed).toEqual({ label: 'mobile', id: c.id, telephone: '+1 415 555 0100' });
    expect((await rs(`/people/${pid}/contacts/${c.id}`)).body).toEqual(c);
    const patched = await rs(`/people/${pid}/contacts/${c.id}`, {
      method: 'PATCH',
      body: { label: 'work', integration: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...c, label: 'work', integration: true });
    expect((await rs(`/people/${pid}/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await rs(`/people/${pid}/contacts/${c.id}`)).status).toBe(404);
    expect((await rs(`/people/${pid}/contacts/${c.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('validates labels per kind, one kind per contact, and max 255 with 422 [[field, message]]', async () => {
    const pid = await personId();
    const cases: [Record<string, unknown>, string][] = [
      [{ label: 'mobile', email: 'a@example.com' }, 'label'],
      [{ label: 'personal', telephone: '+1 415 555 0100' }, 'label'],
      [{ label: 'chat_slack', website: 'https://example.com' }, 'label'],
      [{ label: 'fax', chat: 'https://chat.example.com' }, 'label'],
      [{ label: 'bogus', email: 'a@example.com' }, 'label'],
      [{ email: 'a@example.com' }, 'label'],
      [{ label: 'work' }, 'base'],
      [{ label: 'work', email: 'a@example.com', telephone: '1' }, 'base'],
      [{ label: 'work', email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ];
    for (const [body, field] of cases) {
      const res = await rs(`/people/${pid}/contacts`, { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      const err = res.body as { message: string; errors: [string, string][] };
      expect(err.message).toBe('Validation Failed');
      expect(err.errors.map(([f]) => f)).toContain(field);
    }
    for (const body of [
      { label: 'personal', email: 'me@example.com' },
      { label: 'personal', website: 'https://me.example.com' },
      { label: 'home', telephone: '020 7946 0123' },
      { label: 'chat_teams', chat: 'https://teams.example.com/me' },
    ]) {
      expect((await rs(`/people/${pid}/contacts`, { method: 'POST', body })).status).toBe(201);
    }
    const c = (await rs(`/people/${pid}/contacts`, { method: 'POST', body: { label: 'work', email: 'w@example.com' } }))
      .body as RServiceContact;
    expect((await rs(`/people/${pid}/contacts/${c.id}`, { method: 'PATCH', body: { label: 'mobile' } })).status).toBe(
      422,
    );
  });

  it('removes all contacts of a person (204) and 404s contacts of an unknown person', async () => {
    const pid = await personId();
    await rs(`/people/${pid}/contacts`, { method: 'POST', body: { label: 'work', email: 'x@example.com' } });
    expect((await rs(`/people/${pid}/contacts/`, { method: 'DELETE' })).status).toBe(204);
    expect((await rs(`/people/${pid}/contacts`)).body).toEqual([]);
    expect((await rs('/people/99999999/contacts')).status).toBe(404);
    expect(
      (await rs('/people/99999999/contacts', { method: 'POST', body: { label: 'work', email: 'x@example.com' } }))
        .status,
    ).toBe(404);
  });
});
