import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.stop();
  sb = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('documented limits, enforced by default and scaled by timeScale', () => {
  it('ilert: 120 requests per window per key, then 429 without Retry-After until the window ends', async () => {
    // timeScale 60: the one-minute window lasts one second.
    sb = await testSandbox({ contacts: 20, timeScale: 60 });
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await call(sb, 'ilert', '/users/current')).status);
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    const refused = await call(sb, 'ilert', '/users/current');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    await sleep(1050);
    expect((await call(sb, 'ilert', '/users/current')).status).toBe(200);
  });

  it('r-service: 20 per 2 s and 3,600 an hour, X-RateLimit-* on every answer, Retry-After to the window end', async () => {
    sb = await testSandbox({ contacts: 20, timeScale: 10 }); // 2 s → 200 ms, an hour → 6 min
    const first = await call(sb, 'r-service', '/people?per_page=1');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('3600');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('3599');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 25 && !refused; i++) {
      const r = await call(sb, 'r-service', '/people?per_page=1');
      if (r.status === 429) refused = r;
    }
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('x-ratelimit-remaining')).not.toBeNull();
    const wait = Number(refused?.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(0.2);
    await sleep(wait * 1000 + 20);
    expect((await call(sb, 'r-service', '/people?per_page=1')).status).toBe(200);
  });

  it('r-service: the hourly budget refuses with a Retry-After to the end of the hour', async () => {
    sb = await testSandbox({
      contacts: 5,
      timeScale: 1,
      rateLimit: {
        'r-service': [
          { max: 3, windowMs: 3_600_000 },
          { max: 20, windowMs: 2_000 },
        ],
      },
    });
    for (let i = 0; i < 3; i++) expect((await call(sb, 'r-service', '/people?per_page=1')).status).toBe(200);
    const refused = await call(sb, 'r-service', '/people?per_page=1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('churchpad: a token past its exp is answered 401, a newly issued one works', async () => {
    sb = await testSandbox({ contacts: 5, timeScale: 1 });
    const token = sb.sim.churchpad.tokens.issue(300);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000 - 1);
    const headers = { authorization: `Bearer ${token}` };
    expect((await call(sb, 'churchpad', '/api/unified-communications/contacts', { auth: false, headers })).status).toBe(
      200,
    );
    await sleep(350);
    const expired = await call(sb, 'churchpad', '/api/unified-communications/contacts', { auth: false, headers });
    expect(expired.status).toBe(401);
    expect((expired.body as { code?: string }).code).toBe('token_not_valid');
    const fresh = sb.sim.churchpad.tokens.issue(60_000);
    const ok = await call(sb, 'churchpad', '/api/unified-communications/contacts', {
      auth: false,
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(ok.status).toBe(200);
  });

  it("limits: 'none' is an unlimited server, for a test that says it needs one", async () => {
    sb = await testSandbox({ contacts: 20, limits: 'none' });
    for (let i = 0; i < 130; i++) expect((await call(sb, 'ilert', '/users/current')).status).toBe(200);
  });
});
