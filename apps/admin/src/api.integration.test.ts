import { createLogger, createResources } from '@contact-sync/engine';
import { describe, expect, it } from 'vitest';
import { startAdminServer } from './server.ts';
import { admin, db, get, type J, logLines, post, stack, TOKEN, useApiStack } from './testing/api-stack.ts';

// The admin server's own surfaces over real HTTP: health, auth, metrics, the OpenAPI document, the
// queue dashboard, the review page's files, errors. The API's data routes: api-data.integration.test.ts.
useApiStack();

describe('health, auth and metrics', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect(await get('/healthz', null)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz', null)).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } },
    });
  });

  it('answers /readyz with 503 naming the service that is down', async () => {
    // Real resources pointed at a port where no Redis listens.
    const res = createResources({
      config: stack.config,
      databaseUrl: db.databaseUrl,
      redisUrl: 'redis://127.0.0.1:1',
      prefix: `${db.redisPrefix}-down`,
      logger: createLogger({ level: 'silent', pretty: false }),
      env: stack.env,
    });
    const queues = [...res.queues.pull.values(), ...res.queues.push.values(), res.queues.reconcile];
    for (const q of queues) q.on('error', () => {}); // the refused connections are the point here
    const down = await startAdminServer({
      res,
      token: TOKEN,
      logger: createLogger({ level: 'silent', pretty: false }),
    });
    try {
      const r = await fetch(`${down.url}/readyz`);
      expect(r.status).toBe(503);
      const body = (await r.json()) as J;
      expect(body.failed).toEqual(['redis']);
      expect(body.checks.postgres).toBe('ok');
      expect(body.checks.redis).toMatch(/redis did not answer/);
      expect((await fetch(`${down.url}/healthz`)).status).toBe(200);
    } finally {
      await down.close();
      // BullMQ's close waits for a connection that never comes: bounded, and its retries stay silent.
      await Promise.race([Promise.allSettled(queues.map((q) => q.close())), new Promise((r) => setTimeout(r, 500))]);
      await res.prisma.$disconnect();
    }
  });

  it('refuses a missing, wrong or malformed token with 401 and never logs it', async () => {
    const wrong = 'wrong-token-that-must-not-be-logged';
    for (const [path, token] of [
      ['/api/v1/connections', null],
      ['/api/v1/connections', wrong],
      ['/api/v1/conflicts', `${TOKEN}x`],
      ['/metrics', null],
      ['/api/openapi.json', null],
      ['/queues', null],
    ] as const) {
      const r = await get(path, token);
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
    const malformed = await fetch(`${admin.url}/api/v1/connections`, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as J).error.message).toMatch(/malformed authorization header/);
    const logged = logLines.join('\n');
    expect(logged).toMatch(/unauthorized/);
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(TOKEN);
  });

  it('serves Prometheus metrics computed from Postgres and BullMQ', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const text = r.body as string;
    expect(text).toMatch(/contact_sync_records_pulled_total\{connection="churchpad"\} [1-9]/);
    expect(text).toMatch(/contact_sync_ops\{connection="\w[\w-]*",kind="(create|update|delete)",status="done"\} [1-9]/);
    expect(text).toMatch(/contact_sync_queue_jobs\{queue="push-churchpad",state="waiting"\} 0/);
    expect(text).toMatch(/contact_sync_pull_duration_seconds_bucket\{connection="churchpad",le="\+Inf"\} [1-9]/);
    expect(text).toMatch(/contact_sync_push_latency_seconds_count\{connection="\w[\w-]*"\} [1-9]/);
    expect(text).toContain('# TYPE contact_sync_conflicts_open gauge');
  });

  it('documents every route in the OpenAPI document', async () => {
    const r = await get('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const ops = Object.entries(r.body.paths as Record<string, Record<string, J>>).flatMap(([p, m]) =>
      Object.keys(m).map((verb) => `${verb.toUpperCase()} ${p}`),
    );
    expect(ops.sort()).toEqual(
      [
        'GET /api/v1/connections',
        'POST /api/v1/connections/{id}/resume',
        'POST /api/v1/resync',
        'GET /api/v1/resync/{id}',
        'GET /api/v1/conflicts',
        'GET /api/v1/conflicts/{id}',
        'GET /api/v1/conflicts/{id}/people',
        'POST /api/v1/conflicts/{id}/resolve',
        'GET /api/v1/held-deletes',
        'POST /api/v1/held-deletes/confirm',
        'POST /api/v1/held-deletes/reject',
        'GET /api/v1/held-changes',
        'GET /api/v1/held-changes/{id}',
        'POST /api/v1/held-changes/confirm',
        'POST /api/v1/held-changes/reject',
        'GET /api/v1/ops',
        'POST /api/v1/ops/retry',
        'GET /api/v1/runs',
        'GET /api/v1/runs/{id}',
        'GET /api/v1/quarantine',
        'GET /api/v1/people/{id}/history',
        'GET /api/v1/people/{id}/explain',
        'POST /api/v1/runs/{id}/undo',
        'POST /api/v1/decisions/{id}/undo',
        'GET /api/v1/people/search',
        'POST /api/v1/ledger/prune',
        'POST /api/v1/plans',
        'GET /api/v1/plans/{id}',
        'POST /api/v1/plans/{id}/apply',
        'POST /api/v1/people/merge',
        'POST /api/v1/people/{id}/split',
        'POST /api/v1/conflicts/{id}/merge',
        'GET /api/v1/conflicts/counts',
        'POST /api/v1/conflicts/bulk/preview',
        'POST /api/v1/conflicts/bulk/resolve',
        'POST /api/v1/session',
        'DELETE /api/v1/session',
      ].sort(),
    );
    const list = r.body.paths['/api/v1/conflicts'].get;
    expect(list.parameters.map((p: J) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'status', 'connectionId', 'kind', 'field']),
    );
    const resolve = r.body.paths['/api/v1/conflicts/{id}/resolve'].post;
    expect(JSON.stringify(resolve.requestBody)).toContain('create-new');
    expect(resolve.responses['404']).toBeDefined();
  });

  it('lets the session cookie open the queue dashboard, and only the dashboard', async () => {
    const s = await post('/api/v1/session');
    expect(s.status).toBe(200);
    const setCookie = s.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;
    const board = await fetch(`${admin.url}/queues`, { headers: { cookie } });
    expect(board.status).toBe(200);
    expect(await board.text()).toMatch(/<html/i);
    const boardApi = await fetch(`${admin.url}/queues/api/queues`, { headers: { cookie } });
    expect(boardApi.status).toBe(200);
    expect(JSON.stringify(await boardApi.json())).toContain('push-churchpad');
    const api = await fetch(`${admin.url}/api/v1/connections`, { headers: { cookie } });
    expect(api.status).toBe(401);
    const forged = await fetch(`${admin.url}/queues`, { headers: { cookie: 'cs_admin_session=abc' } });
    expect(forged.status).toBe(401);
  });

  it('serves the review page without a token and with a strict CSP', async () => {
    const page = await fetch(`${admin.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('data-testid="conflicts-view"');
    expect((await fetch(`${admin.url}/ui/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${admin.url}/ui/%2e%2e%2fserver.ts`)).status).toBe(404);
    expect((await fetch(`${admin.url}/ui/nope.js`)).status).toBe(404);
  });
});

describe('errors', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const r = await get('/api/v1/nothing');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});
