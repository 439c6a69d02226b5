import { Writable } from 'node:stream';
import { createLogger } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer } from './server.ts';

// Issue 10, security: secrets never reach the logs or the database, and the admin API does
// not tell an unauthenticated caller whether a resource exists.
const db = await createTestDatabase();
const TOKEN = 'admin-token-for-the-security-test-0123456789';
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});
// Debug level: the most a log ever holds, so a leak at any level is caught.
const logger = createLogger({ level: 'debug', destination: sink });
let stack: Stack;
let admin: { url: string; close(): Promise<void> };

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 40 },
    // Faults make the transport log its retries and errors, where a careless log would carry headers.
    faults: { error5xx: 0.1, rate429: 0.05, retryAfterSec: 0, timeout: 0, reset: 0.02, ghostWrite: 0.02 },
    logger,
  });
  admin = await startAdminServer({ res: stack.res, token: TOKEN, logger });
});
afterAll(async () => {
  await admin?.close();
  await stack?.close();
});

const secrets = (): string[] => [TOKEN, ...Object.values(stack.env)];

describe('secrets and access', () => {
  it('keeps provider credentials and the admin token out of the logs of a full sync with faults', async () => {
    await stack.sync({ timeoutMs: 110_000 });
    // Requests with the right token, a wrong one and a token-looking query string are logged too.
    await fetch(`${admin.url}/api/v1/connections`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await fetch(`${admin.url}/api/v1/connections`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    await fetch(`${admin.url}/api/v1/conflicts?token=${TOKEN}`);
    expect(lines.length).toBeGreaterThan(20);
    const log = lines.join('');
    expect(log).toContain('401'); // the refusals were logged…
    const leaks = lines.filter((l) => secrets().some((s) => l.includes(s)));
    expect(leaks, 'log lines holding a secret').toEqual([]);
  });

  it('stores no credential in clear in Postgres', async () => {
    const tables = await stack.res.prisma.$queryRaw<{ tablename: string }[]>`
      SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    expect(tables.length).toBeGreaterThan(5);
    for (const { tablename } of tables) {
      const rows = await stack.res.prisma.$queryRawUnsafe<unknown[]>(
        `SELECT row_to_json(t)::text AS j FROM "${tablename.replace(/"/g, '')}" t`,
      );
      const text = JSON.stringify(rows);
      for (const secret of secrets()) expect(text.includes(secret), `a secret is stored in ${tablename}`).toBe(false);
    }
  });

  it('answers 401 alike for existing and unknown resources without a valid token', async () => {
    const conflict = await stack.res.prisma.conflict.findFirst();
    const known = conflict?.id ?? '00000000-0000-4000-8000-000000000001';
    const unknown = '00000000-0000-4000-8000-000000000002';
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${TOKEN}`]) {
      const headers: Record<string, string> = auth ? { authorization: auth } : {};
      const a = await fetch(`${admin.url}/api/v1/conflicts/${known}`, { headers });
      const b = await fetch(`${admin.url}/api/v1/conflicts/${unknown}`, { headers });
      expect([a.status, b.status]).toEqual([401, 401]);
      expect(await a.text()).toBe(await b.text());
    }
    const dash = await fetch(`${admin.url}/queues`, { redirect: 'manual' });
    expect(dash.status).toBe(401);
  });

  it('offers no endpoint that takes an outbound URL from the request', async () => {
    const res = await fetch(`${admin.url}/api/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const doc = JSON.stringify(await res.json()).toLowerCase();
    // Provider base URLs come only from the config file; no request field may carry one.
    for (const name of ['"baseurl"', '"url"', '"webhook"', '"callback"', '"endpoint"']) expect(doc).not.toContain(name);
  });
});
