import { createLogger } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from './server.ts';

// POST /api/v1/plans and /plans/{id}/apply over real HTTP: 201 with the plan, 200 on apply,
// 409 with a fresh plan when a provider's data changed in between.
const db = await createTestDatabase();
const TOKEN = 'test-admin-token-0123456789abcdef';
let stack: Stack;
let admin: RunningAdminServer;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 16 },
  });
  admin = await startAdminServer({ res: stack.res, token: TOKEN, logger: createLogger({ level: 'silent' }) });
  await stack.sync();
});
afterAll(async () => {
  await admin?.close();
  await stack?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
const post = async (path: string, body: unknown = {}): Promise<{ status: number; body: any }> => {
  const r = await fetch(`${admin.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};
const growcrm = () => stack.sandbox.sim.growcrm;
const writes = () => stack.sandbox.requests().filter((r) => r.isWrite);

describe('plans over the admin API', () => {
  it('plans, applies, and answers 409 with a fresh plan when a snapshot changed', async () => {
    const [a, b] = growcrm()
      .snapshot()
      .contacts.filter((c) => c.last_name !== '');
    growcrm().rawEdit(a!.id, (x) => (x.last_name = `${x.last_name}-Ames`));
    stack.sandbox.clearRequests();
    const planned = await post('/api/v1/plans', { full: true });
    expect(planned.status).toBe(201);
    expect(planned.body.full).toBe(true);
    expect(planned.body.ops.length).toBeGreaterThan(0);
    expect(writes()).toEqual([]);

    growcrm().rawEdit(b!.id, (x) => (x.last_name = `${x.last_name}-Bell`));
    const stale = await post(`/api/v1/plans/${planned.body.id}/apply`);
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conflict');
    const fresh = stale.body.error.details.plan;
    expect(fresh.id).not.toBe(planned.body.id);
    expect(fresh.ops.length).toBeGreaterThan(planned.body.ops.length);
    expect(writes()).toEqual([]);

    const applied = await post(`/api/v1/plans/${fresh.id}/apply`);
    expect(applied.status).toBe(200);
    expect(applied.body.plan.status).toBe('applied');
    expect(applied.body.opsEnqueued).toBe(fresh.ops.length);
    expect((await post(`/api/v1/plans/${fresh.id}/apply`)).status).toBe(409);
    expect((await post('/api/v1/plans', { connectionId: 'nope' })).status).toBe(400);
  });
});
