import { PassThrough } from 'node:stream';
import { createLogger, createResources } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from './server.ts';

// Every admin route over real HTTP, against a real sync of the five simulators (hold policy,
// so an edit of one field in two providers leaves an open conflict for review).
const db = await createTestDatabase();
const TOKEN = 'test-admin-token-0123456789abcdef';
let stack: Stack;
let admin: RunningAdminServer;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 21, contacts: 16 },
    configOverrides: { conflictPolicy: { kind: 'hold' }, push: { attempts: 2, backoff: 10, concurrency: 4 } },
  });
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  admin = await startAdminServer({
    res: stack.res,
    token: TOKEN,
    logger: createLogger({ level: 'info', destination: sink }),
  });
  await stack.sync();
});
afterAll(async () => {
  await admin?.close();
  await stack?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
type J = any;

interface Answer {
  status: number;
  headers: Headers;
  body: J;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${admin.url}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, body };
}
const get = (path: string, token?: string | null) => call('GET', path, { token });
const post = (path: string, body?: unknown) => call('POST', path, { body: body ?? {} });

/** Two providers edit one field of one person differently: an open conflict under the hold policy. */
async function makeFieldConflict(last: { church: string; grow: string }) {
  const link = await stack.res.prisma.link.findFirstOrThrow({
    // A person in ChurchPad and Grow CRM only among the name holders (ilert holds names too, read-only).
    where: {
      connectionId: 'churchpad',
      canonical: { links: { some: { connectionId: 'growcrm' }, none: { connectionId: 'ilert' } } },
    },
    orderBy: { externalId: 'desc' },
  });
  const grow = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
  });
  stack.sandbox.sim.churchpad.update(link.externalId, { last_name: last.church });
  stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: last.grow });
  await stack.sync();
  return { canonicalId: link.canonicalId, churchId: link.externalId, growId: Number(grow.externalId) };
}

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

describe('connections and resync', () => {
  it('shows each connection with its last pull and counts', async () => {
    const r = await get('/api/v1/connections');
    expect(r.status).toBe(200);
    expect(r.body.items.map((c: J) => c.id).sort()).toEqual(['churchpad', 'growcrm', 'ilert', 'nodeping', 'r-service']);
    const church = r.body.items.find((c: J) => c.id === 'churchpad');
    expect(church.lastPull.status).toBe('completed');
    expect(church.counts.snapshots).toBeGreaterThan(0);
  });

  it('shows each connection budget state and resumes a paused one', async () => {
    const list = await get('/api/v1/connections');
    expect(list.body.items.find((c: J) => c.id === 'churchpad').limits.state).toMatch(/^(ok|waiting)$/);
    const r = await post('/api/v1/connections/churchpad/resume');
    expect(r.status).toBe(200);
    expect(r.body.connectionId).toBe('churchpad');
    expect((await post('/api/v1/connections/nope/resume')).status).toBe(404);
  });

  it('refuses bad resync requests naming the field', async () => {
    const bad = await post('/api/v1/resync', { full: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/body\.full/);
    const unknown = await post('/api/v1/resync', { connectionId: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/connectionId: unknown connection "nope"/);
    const extra = await post('/api/v1/resync', { ful: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toMatch(/ful/);
    const notJson = await fetch(`${admin.url}/api/v1/resync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"full":',
    });
    expect(notJson.status).toBe(400);
  });

  it('starts a resync of one connection and reports its progress until complete', async () => {
    const started = await post('/api/v1/resync', { full: false, connectionId: 'ilert' });
    expect(started.status).toBe(202);
    expect(started.body.run).toMatchObject({ kind: 'resync', connectionId: 'ilert', full: false });
    expect(started.body.pulls.expected).toBe(1);
    let p = started.body;
    for (let i = 0; i < 300 && !p.complete; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await get(`/api/v1/resync/${started.body.run.id}`);
      expect(r.status).toBe(200);
      p = r.body;
    }
    expect(p.complete).toBe(true);
    expect(p.pulls.completed).toBe(1);
    expect((await get('/api/v1/resync/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await get('/api/v1/resync/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/params\.id: must be a UUID/);
  });
});

describe('conflicts', () => {
  it('lists, filters, shows and resolves a conflict by picking a side; the simulators then hold that value', async () => {
    const made = await makeFieldConflict({ church: 'Fromchurch', grow: 'Fromgrow' });
    const list = await get('/api/v1/conflicts?status=open&kind=field&field=familyName&connectionId=growcrm');
    expect(list.status).toBe(200);
    const conflict = list.body.items.find((c: J) => c.canonicalId === made.canonicalId);
    expect(conflict).toBeDefined();
    expect(conflict.sides.map((s: J) => s.connectionId).sort()).toEqual(['churchpad', 'growcrm']);
    expect((await get('/api/v1/conflicts?field=givenName&status=open')).body.items).not.toContainEqual(
      expect.objectContaining({ id: conflict.id }),
    );

    const shown = await get(`/api/v1/conflicts/${conflict.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: conflict.id, kind: 'field', field: 'familyName', status: 'open' });

    const resolved = await post(`/api/v1/conflicts/${conflict.id}/resolve`, {
      decision: { action: 'pick', connectionId: 'growcrm' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.conflict.status).toBe('resolved');
    expect(resolved.body.opsEnqueued).toBeGreaterThan(0);
    await stack.sync();
    expect(stack.sandbox.sim.churchpad.get(made.churchId)?.last_name).toBe('Fromgrow');
    expect(stack.sandbox.sim.growcrm.get(made.growId)?.last_name).toBe('Fromgrow');
    const again = await post(`/api/v1/conflicts/${conflict.id}/resolve`, { decision: { action: 'keep' } });
    expect(again.status).toBe(409);
  });

  it('resolves with an entered value, which reaches every side', async () => {
    const made = await makeFieldConflict({ church: 'Entered-A', grow: 'Entered-B' });
    const list = await get('/api/v1/conflicts?status=open&field=familyName');
    const conflict = list.body.items.find((c: J) => c.canonicalId === made.canonicalId);
    const bad = await post(`/api/v1/conflicts/${conflict.id}/resolve`, { decision: { action: 'value', value: 42 } });
    expect(bad.status).toBe(400);
    const ok = await post(`/api/v1/conflicts/${conflict.id}/resolve`, {
      decision: { action: 'value', value: 'Typedbyadmin' },
      by: 'api-test',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.conflict.resolution).toMatchObject({ action: 'value', by: 'api-test' });
    await stack.sync();
    expect(stack.sandbox.sim.churchpad.get(made.churchId)?.last_name).toBe('Typedbyadmin');
    expect(stack.sandbox.sim.growcrm.get(made.growId)?.last_name).toBe('Typedbyadmin');
  });

  it('paginates with a cursor', async () => {
    const first = await get('/api/v1/conflicts?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    if (first.body.nextCursor) {
      const second = await get(`/api/v1/conflicts?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    }
    expect((await get('/api/v1/conflicts?cursor=garbage')).status).toBe(400);
  });

  it('answers 400 naming the bad field and 404 for an unknown id', async () => {
    const limit = await get('/api/v1/conflicts?limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.error.message).toMatch(/query\.limit/);
    const status = await get('/api/v1/conflicts?status=maybe');
    expect(status.body.error.message).toMatch(/query\.status/);
    const typo = await get('/api/v1/conflicts?feild=familyName');
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toMatch(/feild/);
    const missing = await get('/api/v1/conflicts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const one = (await get('/api/v1/conflicts?limit=1')).body.items[0];
    const action = await post(`/api/v1/conflicts/${one.id}/resolve`, { decision: { action: 'flip' } });
    expect(action.status).toBe(400);
    expect(action.body.error.message).toMatch(/body\.decision\.action/);
    const pick = await post(`/api/v1/conflicts/${one.id}/resolve`, { decision: { action: 'pick' } });
    expect(pick.body.error.message).toMatch(/body\.decision\.connectionId/);
    const gone = await post('/api/v1/conflicts/00000000-0000-4000-8000-000000000000/resolve', {
      decision: { action: 'keep' },
    });
    expect(gone.status).toBe(404);
  });
});

describe('ops, runs and quarantine', () => {
  it('lists failed pushes and retries them', async () => {
    // Grow CRM answers every request with a 5xx: the push of a ChurchPad edit to it fails.
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { externalId: 'asc' },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    stack.sandbox.setFaults({ error5xx: 1 }, 'growcrm');
    stack.sandbox.sim.churchpad.update(link.externalId, { first_name: 'Retried' });
    await stack.sync({ connectionId: 'churchpad' });
    const failed = await get('/api/v1/ops?status=failed&connectionId=growcrm');
    expect(failed.status).toBe(200);
    const op = failed.body.items.find((o: J) => o.canonicalId === link.canonicalId);
    expect(op).toMatchObject({ status: 'failed', kind: 'update' });
    expect(op.lastError).toBeTruthy();

    const noSel = await post('/api/v1/ops/retry', {});
    expect(noSel.status).toBe(400);
    expect(noSel.body.error.message).toMatch(/body\.ids/);
    expect((await get('/api/v1/ops?kind=upsert')).body.error.message).toMatch(/query\.kind/);

    stack.sandbox.setFaults({}, 'growcrm');
    const retried = await post('/api/v1/ops/retry', { ids: [op.id] });
    expect(retried).toMatchObject({ status: 200, body: { retried: 1 } });
    for (let i = 0; i < 100; i++) {
      if (stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name === 'Retried') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Retried');
  });

  it('lists runs and shows one with its children', async () => {
    const runs = await get('/api/v1/runs?kind=resync&limit=2');
    expect(runs.status).toBe(200);
    expect(runs.body.items).toHaveLength(2);
    expect(runs.body.nextCursor).not.toBeNull();
    const one = await get(`/api/v1/runs/${runs.body.items[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body.children.length).toBeGreaterThan(0);
    expect((await get('/api/v1/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/api/v1/runs?kind=nap')).body.error.message).toMatch(/query\.kind/);
  });

  it('lists quarantined records', async () => {
    const r = await get('/api/v1/quarantine?connectionId=churchpad');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.items)).toBe(true);
    expect((await get('/api/v1/quarantine?limit=1000')).body.error.message).toMatch(/query\.limit/);
  });
});

describe('held deletes', () => {
  it('holds a mass delete, lists it, and confirms or rejects by id', async () => {
    const removed = stack.sandbox.sim.nodeping.massDelete(Math.ceil(stack.sandbox.sim.nodeping.count() * 0.7));
    expect(removed.length).toBeGreaterThan(1);
    await stack.sync();
    const held = await get('/api/v1/held-deletes?status=held&connectionId=nodeping');
    expect(held.status).toBe(200);
    expect(held.body.items).toHaveLength(removed.length);
    expect((await get('/api/v1/held-deletes?status=later')).body.error.message).toMatch(/query\.status/);
    expect((await post('/api/v1/held-deletes/confirm', {})).body.error.message).toMatch(/body\.ids/);

    const [first, ...rest] = held.body.items as { id: string }[];
    const rejected = await post('/api/v1/held-deletes/reject', { ids: [first!.id] });
    expect(rejected).toMatchObject({ status: 200, body: { decided: 1 } });
    const confirmed = await post('/api/v1/held-deletes/confirm', { connectionId: 'nodeping' });
    expect(confirmed).toMatchObject({ status: 200, body: { decided: rest.length } });
    expect((await get('/api/v1/held-deletes?status=held&connectionId=nodeping')).body.items).toEqual([]);
  });
});

describe('errors', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const r = await get('/api/v1/nothing');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});
