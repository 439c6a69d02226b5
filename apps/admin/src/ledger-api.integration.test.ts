import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from './server.ts';

// The ledger's routes over real HTTP: a person's history, undo of a run (dry run, then for real), prune.
const db = await createTestDatabase();
const TOKEN = 'test-admin-token-0123456789abcdef';
let stack: Stack;
let admin: RunningAdminServer;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 4, contacts: 16 },
  });
  admin = await startAdminServer({ res: stack.res, token: TOKEN });
  await stack.sync();
  await stack.sync();
});
afterAll(async () => {
  await admin?.close();
  await stack?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
type J = any;
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: J }> {
  const r = await fetch(`${admin.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: await r.json() };
}

async function settled(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ledger routes', () => {
  it('POST /runs/:id/undo (dry run, then for real) and GET /people/:id/history', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    });
    const original = stack.sandbox.sim.churchpad.get(link.externalId)!.last_name;
    stack.sandbox.sim.churchpad.update(link.externalId, { last_name: 'Mistake' });
    const bad = await stack.sync();

    const dry = await call('POST', `/api/v1/runs/${bad.run.id}/undo`, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, undoRunId: null, conflictsOpened: 0 });
    expect(dry.body.writes.map((w: J) => w.connectionId)).toContain('churchpad');

    const undo = await call('POST', `/api/v1/runs/${bad.run.id}/undo`, { by: 'bob' });
    expect(undo.status).toBe(200);
    expect(undo.body.writes).toEqual(expect.arrayContaining(dry.body.writes));
    await settled();
    expect(stack.sandbox.sim.churchpad.get(link.externalId)?.last_name).toBe(original);

    const h = await call('GET', `/api/v1/people/${link.canonicalId}/history?limit=50`);
    expect(h.status).toBe(200);
    const changes = h.body.events.filter((e: J) => e.type === 'change' && e.field === 'familyName');
    expect(changes[0]).toMatchObject({ old: 'Mistake', new: original, cause: { kind: 'undo', by: 'bob' } });
    expect(changes[1]).toMatchObject({
      old: original,
      new: 'Mistake',
      cause: { kind: 'provider', connectionId: 'churchpad' },
    });
    const email = stack.sandbox.sim.churchpad.get(link.externalId)!.email;
    expect((await call('GET', `/api/v1/people/${encodeURIComponent(email)}/history`)).body.canonicalId).toBe(
      link.canonicalId,
    );
  });

  it('POST /decisions/:id/undo (dry run, then for real); GET /people/search', async () => {
    const church = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { externalId: 'desc' },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
    });
    const before = stack.sandbox.sim.churchpad.get(church.externalId)!.first_name;
    stack.sandbox.sim.churchpad.update(church.externalId, { first_name: 'Left' });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { first_name: 'Right' });
    await stack.sync();
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { canonicalId: church.canonicalId, kind: 'field', field: 'givenName' },
    });
    const chosen = (await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: church.canonicalId } }))
      .data as { givenName: string };
    expect((await call('POST', `/api/v1/decisions/${conflict.id}/undo`, {})).status).toBe(409); // not decided yet
    const decided = await call('POST', `/api/v1/conflicts/${conflict.id}/resolve`, {
      decision: { action: 'value', value: 'Middle' },
      by: 'carol',
    });
    expect(decided.status).toBe(200);
    await settled();
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Middle');

    const dry = await call('POST', `/api/v1/decisions/${conflict.id}/undo`, { dryRun: true });
    expect(dry).toMatchObject({ status: 200, body: { decisionId: conflict.id, runId: null, undoRunId: null } });
    expect(dry.body.writes.map((w: J) => w.connectionId)).toEqual(expect.arrayContaining(['churchpad', 'growcrm']));
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Middle');
    const undo = await call('POST', `/api/v1/decisions/${conflict.id}/undo`, { by: 'dan' });
    expect(undo.status).toBe(200);
    expect(undo.body.undoRunId).toBeTruthy();
    await settled();
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe(chosen.givenName);
    expect(stack.sandbox.sim.churchpad.get(church.externalId)?.first_name).toBe(chosen.givenName);
    expect(before).not.toBe('Middle');

    const email = stack.sandbox.sim.churchpad.get(church.externalId)!.email!;
    const found = await call('GET', `/api/v1/people/search?q=${encodeURIComponent(email.slice(0, 6))}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((p: J) => p.canonicalId)).toContain(church.canonicalId);
    expect((await call('GET', '/api/v1/people/search?q=%25%25')).body.items).toEqual([]); // % is literal
    const short = await call('GET', '/api/v1/people/search?q=x');
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/query\.q/);
  });

  it('answers 404 for an unknown person or run, 400 for bad input', async () => {
    expect((await call('POST', '/api/v1/decisions/00000000-0000-4000-8000-000000000000/undo', {})).status).toBe(404);
    expect((await call('POST', '/api/v1/decisions/not-a-decision/undo', {})).status).toBe(400);
    expect((await call('POST', '/api/v1/decisions/00000000-0000-4000-8000-000000000000/undo', { dry: 1 })).status).toBe(
      400,
    );
    expect((await call('GET', '/api/v1/people/nobody@nowhere.example/history')).status).toBe(404);
    expect((await call('POST', '/api/v1/runs/00000000-0000-0000-0000-000000000000/undo', {})).status).toBe(404);
    expect((await call('POST', '/api/v1/runs/not-a-run/undo', {})).status).toBe(400);
    expect((await call('POST', '/api/v1/ledger/prune', { olderThan: 'soon' })).status).toBe(400);
    const pruned = await call('POST', '/api/v1/ledger/prune', { olderThan: '90d' });
    expect(pruned).toMatchObject({ status: 200, body: { deleted: 0 } });
  });
});
