import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { FAULT_PROFILES } from '../shared/faults.ts';
import { call, testSandbox } from '../test-support.ts';

let sb: Sandbox;
beforeAll(async () => {
  sb = await testSandbox({ contacts: 100, rateLimit: { growcrm: { max: 3, windowMs: 60_000 } } });
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

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a credential exceeds its window', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await call(sb, 'growcrm', '/contacts?limit=1');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // other providers are not limited
    expect((await call(sb, 'churchpad', '/api/unified-communications/contacts?limit=1')).status).toBe(200);
  });

  it('can be changed at runtime through the control endpoint', async () => {
    await control('/rate-limits/growcrm', 'PUT', null);
    expect((await call(sb, 'growcrm', '/contacts?limit=1')).status).toBe(200);
    const set = await control('/rate-limits/r-service', 'PUT', { max: 1, windowMs: 30_000 });
    expect(set.body['r-service']).toEqual({ max: 1, windowMs: 30_000 });
    expect((await call(sb, 'r-service', '/people?per_page=1')).status).toBe(200);
    const limited = await call(sb, 'r-service', '/people?per_page=1');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'Too Many Requests' });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    await control('/rate-limits/r-service', 'PUT', null);
  });
});

describe('/_control', () => {
  it('sets faults by profile or config, per provider or for all', async () => {
    const one = await control('/faults/nodeping', 'PUT', { profile: 'flaky' });
    expect(one.body.nodeping).toEqual(FAULT_PROFILES.flaky);
    expect(one.body.ilert).toEqual({});
    const all = await control('/faults', 'PUT', { latencyMs: 1 });
    for (const cfg of Object.values(all.body)) expect(cfg).toEqual({ latencyMs: 1 });
    expect((await control('/faults', 'PUT', { error5xx: 2 })).status).toBe(400);
    expect((await control('/faults', 'PUT', { profile: 'nope' })).status).toBe(400);
    await control('/faults', 'PUT', { profile: 'none' });
  });

  it('reports requests with write counts, clears them, and exposes state and people', async () => {
    await control('/requests', 'DELETE');
    await call(sb, 'churchpad', '/api/unified-communications/contacts', {
      method: 'POST',
      body: { first_name: 'A', last_name: 'B', phone: '1', email: 'a@example.com' },
    });
    await call(sb, 'churchpad', '/api/unified-communications/contacts?limit=1');
    const log = await control('/requests?provider=churchpad');
    expect(log.body).toMatchObject({ count: 2, writes: 1 });
    expect(log.body.entries[0]).toMatchObject({ provider: 'churchpad', method: 'POST', status: 201, isWrite: true });
    expect(sb.writeCount()).toBe(1);
    const state = await control('/state/churchpad');
    expect(state.body.count).toBe(sb.sim.churchpad.count());
    expect((await control('/state/unknown')).status).toBe(400);
    expect((await control('/people')).body).toHaveLength(100);
  });
});
