import { decideHeldChanges, listHeldChanges } from '@contact-sync/admin-ops';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 22: a provider that suddenly returns every family name changed (upper-cased) must not
// rewrite every other provider. The blast-radius guard holds those updates until an admin decides.

const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 22, contacts: 80 },
  });
  await stack.sync();
});
afterAll(async () => stack?.close());

const writes = () => stack.sandbox.requests().filter((r) => r.isWrite);
const byProvider = (rs: { provider: string }[]) => {
  const m: Record<string, number> = {};
  for (const r of rs) m[r.provider] = (m[r.provider] ?? 0) + 1;
  return m;
};
const growcrm = () => stack.sandbox.sim.growcrm;
const growContacts = () => growcrm().snapshot().contacts;

async function settled(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Family names the other providers hold for the people growcrm holds, by canonical id. */
async function people(): Promise<Map<string, Record<string, unknown>>> {
  const rows = await stack.res.prisma.canonicalContact.findMany({ select: { id: true, data: true } });
  return new Map(rows.map((r) => [r.id, r.data as Record<string, unknown>]));
}

describe('the blast-radius guard for updates', () => {
  it('holds the updates of a provider that upper-cases every family name: nothing is written', async () => {
    expect(writes().length).toBeGreaterThan(0); // the first sync wrote (creates, fill-ins): never held
    expect((await listHeldChanges(stack.res)).items).toEqual([]);
    for (const c of growContacts()) growcrm().rawEdit(c.id, (x) => (x.last_name = x.last_name.toUpperCase()));
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
    const sets = (await listHeldChanges(stack.res, { status: 'held' })).items;
    expect(sets).toHaveLength(1);
    const [set] = sets;
    expect(set!.field.split(',')).toContain('familyName');
    expect(set!.summary.length).toBeGreaterThan(0);
    for (const s of set!.summary) expect(s.changed).toBeGreaterThanOrEqual(10);
    expect(set!.items.every((i) => typeof i.after === 'string' && i.after === (i.after as string).toUpperCase())).toBe(
      true,
    );
    expect(set!.writes.growcrm).toBeUndefined();
    // Still held after another sync: nothing leaks one person at a time.
    await stack.sync();
    expect(writes()).toEqual([]);
  });

  it('confirm sends exactly the held updates, and nothing more', async () => {
    const [set] = (await listHeldChanges(stack.res, { status: 'held' }, { items: 10_000 })).items;
    const expected = set!.writes;
    stack.sandbox.clearRequests();
    const r = await decideHeldChanges(stack.res, { ids: [set!.id], decision: 'confirm' });
    expect(r.writes).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
    await settled();
    // One write call per held update (each provider writes a person's name in one request).
    expect(byProvider(writes())).toEqual(expected);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
    const now = await people();
    for (const i of set!.items) expect(now.get(i.canonicalId)?.[i.field]).toEqual(i.after);
  });

  it('reject writes nothing to the other providers and writes the old value back to the source', async () => {
    const before = await people();
    // Records with a family name (one without could become creatable elsewhere: a create, not an update).
    const changed = growContacts()
      .filter((c) => c.last_name !== '')
      .map((c) => c.id);
    for (const id of changed) growcrm().rawEdit(id, (x) => (x.last_name = `${x.last_name}-x`));
    stack.sandbox.clearRequests();
    const t0 = new Date();
    await stack.sync();
    const [set] = (await listHeldChanges(stack.res, { status: 'held' }, { items: 10_000 })).items;
    // No update went out; the only writes are creates of people the new names made creatable
    // (a create is outside the update guard: it changes no record a provider holds).
    const since = { createdAt: { gte: t0 } };
    expect(
      await stack.res.prisma.outboxOp.count({ where: { ...since, kind: 'update', status: { not: 'held' } } }),
    ).toBe(0);
    expect(writes().length).toBe(await stack.res.prisma.outboxOp.count({ where: { ...since, kind: 'create' } }));
    expect(set).toBeDefined();
    stack.sandbox.clearRequests();
    await decideHeldChanges(stack.res, { ids: [set!.id], decision: 'reject' });
    await settled();
    const w = writes();
    expect(w.every((r) => r.provider === 'growcrm')).toBe(true);
    const heldPeople = new Set(set!.items.map((i) => i.canonicalId));
    expect(w.length).toBe(heldPeople.size);
    // Every person keeps the value they had; growcrm holds it again.
    const after = await people();
    for (const id of heldPeople) expect(after.get(id)?.familyName).toBe(before.get(id)?.familyName);
    const links = await stack.res.prisma.link.findMany({
      where: { connectionId: 'growcrm', canonicalId: { in: [...heldPeople] } },
    });
    expect(links.length).toBe(heldPeople.size);
    const held = new Set(links.map((l) => Number(l.externalId)));
    expect(growContacts().filter((c) => held.has(c.id) && c.last_name.endsWith('-x'))).toEqual([]);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
    expect(await decideHeldChanges(stack.res, { ids: [set!.id], decision: 'confirm' }).catch((e) => e.code)).toBe(
      'conflict',
    );
  });
});
