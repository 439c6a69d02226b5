import { randomUUID } from 'node:crypto';
import { createLogger } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAdminServer, startAdminServer } from './server.ts';

// Issue 22: bulk decisions ("pick growcrm for every familyName conflict") with a count and a
// preview first, and the review page's API at 10,000 open entries (one bounded page, counts).
const db = await createTestDatabase();
const TOKEN = 'test-admin-token-0123456789abcdef';
let stack: Stack;
let admin: RunningAdminServer;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 30 },
    configOverrides: { conflictPolicy: { kind: 'hold' }, connection: { createPolicy: 'skip' } },
  });
  admin = await startAdminServer({ res: stack.res, token: TOKEN, logger: createLogger({ level: 'silent' }) });
  await stack.sync();
});
afterAll(async () => {
  await admin?.close();
  await stack?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
type Answer = { status: number; body: any };
const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
  const r = await fetch(`${admin.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: await r.json() };
};
const writes = () => stack.sandbox.requests().filter((r) => r.isWrite);

async function settled(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** People held in both ChurchPad and Grow CRM, each side editing their family name (or given name) differently. */
async function clashes(n: number, field: 'last_name' | 'first_name', skip = 0) {
  const links = await stack.res.prisma.link.findMany({
    where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    orderBy: { externalId: 'asc' },
    skip,
    take: n,
  });
  const people = [];
  for (const [i, church] of links.entries()) {
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
    });
    stack.sandbox.sim.churchpad.update(church.externalId, { [field]: `Church${i}` });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { [field]: `Grow${i}` });
    people.push({ canonicalId: church.canonicalId, church: church.externalId, grow: Number(grow.externalId), i });
  }
  return people;
}

const FAMILY = {
  filter: { kind: 'field', field: 'familyName' },
  decision: { action: 'pick', connectionId: 'growcrm' },
};

describe('bulk decisions', () => {
  it('counts and previews first, refuses a stale count, then picks growcrm for every familyName conflict', async () => {
    const family = await clashes(4, 'last_name');
    const given = await clashes(1, 'first_name', 4);
    await stack.sync();

    const counts = await call('GET', '/api/v1/conflicts/counts');
    expect(counts.status).toBe(200);
    expect(counts.body.byField.familyName).toBe(4);
    expect(counts.body.byField.givenName).toBe(1);
    expect(counts.body.byKind.field).toBe(5);

    stack.sandbox.clearRequests();
    const preview = await call('POST', '/api/v1/conflicts/bulk/preview', FAMILY);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ count: 4, applicable: 4, skipped: [] });
    expect(preview.body.sample.map((s: { value: string }) => s.value).sort()).toEqual(family.map((p) => `Grow${p.i}`));
    expect(writes()).toEqual([]);

    const stale = await call('POST', '/api/v1/conflicts/bulk/resolve', { ...FAMILY, expect: 3 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/selects 4 conflicts, not 3/);
    expect(await stack.res.prisma.conflict.count({ where: { status: 'open', field: 'familyName' } })).toBe(4);

    const done = await call('POST', '/api/v1/conflicts/bulk/resolve', { ...FAMILY, expect: 4, by: 'ana' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ count: 4, resolved: 4, skipped: [] });
    await settled();
    // The picked value flowed out through the push path: ChurchPad holds Grow CRM's name.
    for (const p of family) expect(stack.sandbox.sim.churchpad.get(p.church)?.last_name).toBe(`Grow${p.i}`);
    // The givenName conflict was not selected: still open, each side keeps its edit.
    expect(await stack.res.prisma.conflict.count({ where: { status: 'open', field: 'givenName' } })).toBe(1);
    expect(stack.sandbox.sim.churchpad.get(given[0]!.church)?.first_name).toBe('Church0');
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
  });

  it('says why a rule does not apply, and refuses a bad filter or rule with a 400', async () => {
    const p = await call('POST', '/api/v1/conflicts/bulk/preview', {
      filter: { field: 'givenName' },
      decision: { action: 'pick', connectionId: 'nodeping' },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ count: 1, applicable: 0 });
    expect(p.body.skipped[0].reason).toMatch(/"nodeping" is not a side of this conflict/);
    const badKey = await call('POST', '/api/v1/conflicts/bulk/preview', {
      filter: { colour: 'x' },
      decision: { action: 'keep' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.message).toMatch(/colour/);
    const badRule = await call('POST', '/api/v1/conflicts/bulk/resolve', {
      filter: {},
      decision: { action: 'delete' },
    });
    expect(badRule.status).toBe(400);
    expect(await stack.res.prisma.conflict.count({ where: { status: 'open', field: 'givenName' } })).toBe(1);
  });
});

describe('a merge and the decisions waiting on the merged-in person', () => {
  it('moves the open conflicts of the person merged in to the merged person, who can still decide them', async () => {
    // The givenName conflict the first test left open (ChurchPad "Church0" vs Grow CRM "Grow0").
    const open = await stack.res.prisma.conflict.findFirstOrThrow({ where: { status: 'open', field: 'givenName' } });
    const p = { canonicalId: open.canonicalId! };
    const other = await stack.res.prisma.canonicalContact.findFirstOrThrow({
      where: { id: { not: p.canonicalId }, deletedAt: null, mergedIntoId: null, links: { some: {} } },
      orderBy: { id: 'asc' },
    });
    const merged = await call('POST', '/api/v1/people/merge', { into: other.id, from: p.canonicalId });
    expect(merged.status).toBe(200);
    await settled();
    expect((await stack.res.prisma.conflict.findUniqueOrThrow({ where: { id: open.id } })).canonicalId).toBe(other.id);
    const r = await call('POST', `/api/v1/conflicts/${open.id}/resolve`, {
      decision: { action: 'pick', connectionId: 'growcrm' },
    });
    expect(r.status).toBe(200);
    await settled();
    const kept = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: other.id } });
    expect((kept.data as { givenName: string }).givenName).toBe('Grow0');
  });
});

describe('the review page at 10,000 open entries', () => {
  it('answers one bounded page at a time and the counts per kind', async () => {
    const before = await stack.res.prisma.conflict.count({ where: { status: 'open' } });
    const kinds = ['field', 'ambiguous-match', 'duplicate-in-provider', 'rejected-write'];
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      dedupeKey: randomUUID(),
      kind: kinds[i % kinds.length]!,
      connectionId: 'growcrm',
      field: i % 4 === 0 ? 'familyName' : null,
      sides: [{ connectionId: 'growcrm', externalId: String(100_000 + i), value: `v${i}` }],
      rule: 'seeded',
      status: 'open',
    }));
    for (let i = 0; i < rows.length; i += 2_000)
      await stack.res.prisma.conflict.createMany({ data: rows.slice(i, i + 2_000) });

    const t0 = performance.now();
    const page = await call('GET', '/api/v1/conflicts?status=open&limit=50');
    const pageMs = performance.now() - t0;
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(50);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const t1 = performance.now();
    const next = await call(
      'GET',
      `/api/v1/conflicts?status=open&limit=50&kind=rejected-write&cursor=${page.body.nextCursor}`,
    );
    expect(next.body.items).toHaveLength(50);
    expect(next.body.items.every((c: { kind: string }) => c.kind === 'rejected-write')).toBe(true);
    const counts = await call('GET', '/api/v1/conflicts/counts?status=open');
    const countsMs = performance.now() - t1;
    expect(counts.body.total).toBe(before + 10_000);
    expect(counts.body.byKind['rejected-write']).toBe(2_500);
    expect(counts.body.byKind['ambiguous-match']).toBe(2_500);
    // A page is bounded whatever the queue's size (the server never answers the whole queue).
    expect(JSON.stringify(page.body).length).toBeLessThan(100_000);
    const big = await call('GET', '/api/v1/conflicts?status=open&limit=5000');
    expect(big.status).toBe(400);
    process.stderr.write(
      `[review at 10k] first page ${pageMs.toFixed(0)} ms; next page + counts ${countsMs.toFixed(0)} ms\n`,
    );
  });
});
