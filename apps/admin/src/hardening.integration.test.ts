import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { createLogger } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionValue } from './auth.ts';
import { type RunningAdminServer, startAdminServer } from './server.ts';

// Issue 17, "what an outside probe broke": each answer below was a 500 with a stack in the log,
// a 200 that changed state, an error body in fastify's own shape, or a session that outlived
// its logout. No worker consumers run: nothing may change unless a request asks for it.
const db = await createTestDatabase();
const TOKEN = 'hardening-admin-token-0123456789';
let stack: Stack;
let admin: RunningAdminServer;
let second: RunningAdminServer;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 3, contacts: 4 },
    startConsumers: false,
  });
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ level: 'info', destination: sink });
  admin = await startAdminServer({ res: stack.res, token: TOKEN, logger, sessionTtlMs: 1500 });
  // A second admin process over the same Postgres and Redis.
  second = await startAdminServer({ res: stack.res, token: TOKEN, logger });
});
afterAll(async () => {
  await second?.close();
  await admin?.close();
  await stack?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
type J = any;

async function call(
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<{ status: number; headers: Headers; body: J }> {
  const r = await fetch(`${opts.base ?? admin.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, body };
}

/** A request exactly as given (fetch would normalise the path or refuse the headers). */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: J }> {
  const u = new URL(admin.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';
const internalErrors = () => logLines.filter((l) => l.includes('"level":50') || l.includes('request failed'));

/** An answer in the documented shape, naming `field` when given. */
const expectError = (r: { status: number; body: J }, status: number, field?: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  expect(Object.keys(r.body)).toEqual(['error']);
  if (field) expect(r.body.error.message).toContain(field);
};

describe('input that reached Prisma is a 400 naming the field (item 3)', () => {
  it.each([
    ['a cursor holding a non-UUID id', `/api/v1/conflicts?cursor=${cursorOf(['2026-01-01T00:00:00.000Z', 'x'])}`],
    ['a cursor with an out-of-range date', `/api/v1/ops?cursor=${cursorOf(['-271821-04-20T00:00:00.000Z', UUID])}`],
    ['a cursor with a year past 9999', `/api/v1/runs?cursor=${cursorOf(['+275760-09-13T00:00:00.000Z', UUID])}`],
    ['NUL in connectionId', '/api/v1/ops?connectionId=%00'],
    ['NUL in kind', '/api/v1/conflicts?kind=a%00b'],
    ['NUL in field', '/api/v1/conflicts?field=%00'],
    ['NUL in a held-delete filter', '/api/v1/held-deletes?connectionId=%00'],
    ['ESC in a quarantine filter', '/api/v1/quarantine?connectionId=%1B%5B2J'],
    ['a hexadecimal limit', '/api/v1/conflicts?limit=0x10'],
    ['an exponent limit', '/api/v1/runs?limit=1e2'],
  ])('%s', async (_what, path) => {
    const before = internalErrors().length;
    const r = await call('GET', path);
    expectError(r, 400, 'query.');
    expect(r.body.error.code).toBe('invalid');
    expect(internalErrors().length).toBe(before);
  });

  it('still takes a decimal limit and a real cursor', async () => {
    expect((await call('GET', '/api/v1/conflicts?limit=10')).status).toBe(200);
    const r = await call('GET', `/api/v1/ops?limit=1&cursor=${cursorOf(['2026-01-01T00:00:00.000Z', UUID])}`);
    expect(r.status).toBe(200);
  });

  it('NUL in a body is a 400 and changes nothing', async () => {
    const before = internalErrors().length;
    const r = await call('POST', '/api/v1/ops/retry', { body: JSON.stringify({ connectionId: '\u0000' }) });
    expectError(r, 400, 'body.connectionId');
    const ids = await call('POST', '/api/v1/held-deletes/confirm', { body: JSON.stringify({ ids: ['a\u0000'] }) });
    expectError(ids, 400, 'body.ids.0');
    expect(internalErrors().length).toBe(before);
  });

  it('a NUL or lone surrogate inside an entered conflict value is a 400, before anything is looked up', async () => {
    for (const value of ['Smi\u0000th', 'Smi\ud800th', { value: 'a@b.example', label: 'w\u0007ork' }]) {
      const r = await call('POST', `/api/v1/conflicts/${UUID}/resolve`, {
        body: JSON.stringify({ decision: { action: 'value', value } }),
      });
      expectError(r, 400, 'body.decision.value');
    }
    const by = await call('POST', `/api/v1/conflicts/${UUID}/resolve`, {
      body: JSON.stringify({ decision: { action: 'dismiss' }, by: 'x\u001b]0;t\u0007' }),
    });
    expectError(by, 400, 'body.by');
  });

  it('a JSON body of null is a 400, and no resync starts', async () => {
    const runs = () => stack.res.prisma.syncRun.count({ where: { kind: 'resync' } });
    const before = await runs();
    const r = await call('POST', '/api/v1/resync', { body: 'null' });
    expectError(r, 400, 'body');
    for (const body of ['[]', '"full"', '1']) expectError(await call('POST', '/api/v1/resync', { body }), 400, 'body');
    expect(await runs()).toBe(before);
  });
});

describe('unknown connections (item 10)', () => {
  it('retry and resync both answer 400 for a connection not in the config', async () => {
    const retry = await call('POST', '/api/v1/ops/retry', { body: JSON.stringify({ connectionId: 'nope' }) });
    expectError(retry, 400, 'body.connectionId: unknown connection "nope"');
    const resync = await call('POST', '/api/v1/resync', { body: JSON.stringify({ connectionId: 'nope' }) });
    expectError(resync, 400, 'body.connectionId: unknown connection "nope"');
    const ok = await call('POST', '/api/v1/ops/retry', { body: JSON.stringify({ connectionId: 'churchpad' }) });
    expect(ok).toMatchObject({ status: 200, body: { retried: 0 } });
  });
});

describe('every error answer has the documented shape (item 4)', () => {
  it('bad URL encoding: 400', async () => {
    expectError(await raw('/api/v1/conflicts/%zz'), 400);
  });

  it('an id over 100 characters: 414, or 400 when it is simply not a UUID', async () => {
    const r = await raw(`/api/v1/conflicts/${'a'.repeat(150)}`);
    expect([400, 414]).toContain(r.status);
    expectError(r, r.status);
  });

  it('a 16 KB URL: 431 or 414 in the same shape', async () => {
    const r = await raw(`/api/v1/conflicts?kind=${'k'.repeat(16 * 1024)}`);
    expect([414, 431]).toContain(r.status);
    expectError(r, r.status);
  });

  it('a body over the limit stays 413; bad JSON and a wrong content type are 400 and 415', async () => {
    const big = await call('POST', '/api/v1/resync', { body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }) });
    expectError(big, 413);
    expect(big.body.error.code).toBe('too_large');
    expectError(await call('POST', '/api/v1/resync', { body: '{"full":' }), 400);
    const typed = await call('POST', '/api/v1/resync', { body: 'full', headers: { 'content-type': 'text/x-nope' } });
    expectError(typed, 415);
  });
});

describe('the queue dashboard session (item 6)', () => {
  const openSession = async (base = admin.url) => {
    const s = await call('POST', '/api/v1/session', { base });
    expect(s.status).toBe(200);
    return (s.headers.get('set-cookie') ?? '').split(';')[0]!;
  };
  const board = (cookie: string, base = admin.url) =>
    fetch(`${base}/queues/api/queues`, { headers: { cookie } }).then((r) => r.status);

  it('gives each session a random id, never derived from the token', async () => {
    const a = await openSession();
    const b = await openSession();
    expect(a).not.toBe(b);
    expect(a).not.toContain(sessionValue(TOKEN));
    expect(await board(`cs_admin_session=${sessionValue(TOKEN)}`)).toBe(401);
  });

  it('is revoked by DELETE /api/v1/session: the old cookie no longer opens the dashboard or pauses a queue', async () => {
    const cookie = await openSession();
    expect(await board(cookie)).toBe(200);
    const out = await call('DELETE', '/api/v1/session', { headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(await board(cookie)).toBe(401);
    const pause = await fetch(`${admin.url}/queues/api/queues/pull-churchpad/pause`, {
      method: 'PUT',
      headers: { cookie },
    });
    expect(pause.status).toBe(401);
    expect(await stack.res.queues.pull.get('churchpad')!.isPaused()).toBe(false);
  });

  it('expires server-side after its TTL', async () => {
    const cookie = await openSession();
    expect(await board(cookie)).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await board(cookie)).toBe(401);
  });

  it('is shared by the admin processes of one deployment, and so is its revocation', async () => {
    const cookie = await openSession(second.url);
    expect(await board(cookie, admin.url)).toBe(200);
    await call('DELETE', '/api/v1/session', { headers: { cookie } });
    expect(await board(cookie, second.url)).toBe(401);
  });
});

describe('the dashboard works offline (item 10)', () => {
  it('loads nothing from another host', async () => {
    const cookie = (await call('POST', '/api/v1/session')).headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${admin.url}/queues`, { headers: { cookie } })).text();
    expect(html).toMatch(/<html/i);
    const external = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)]
      .map((m) => m[1]!)
      .filter((u) => /^(https?:)?\/\//.test(u));
    expect(external).toEqual([]);
    const css = [...html.matchAll(/href=["']([^"']+\.css)["']/g)].map((m) => m[1]!);
    for (const href of css) {
      const text = await (await fetch(new URL(href, `${admin.url}/queues/`), { headers: { cookie } })).text();
      expect(text, href).not.toMatch(/@import\s+url\(["']?https?:|url\(["']?https?:\/\//);
    }
  });
});
