import { describe, expect, it } from 'vitest';
import { admin, get, type J, makeFieldConflict, post, stack, TOKEN, useApiStack } from './testing/api-stack.ts';

// The API's data routes over real HTTP: connections and resync, conflicts, ops, runs, quarantine
// and held deletes, each decision checked in the simulators. Health, auth and metrics: api.integration.test.ts.
useApiStack();

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
