import { createTestDatabase } from '@contact-sync/services/test-db';
import { divergences } from '@contact-sync/testkit/convergence';
import { insertAmbiguousNodepingContact } from '@contact-sync/testkit/scenarios';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminOpError,
  connectionStatus,
  decideHeldDeletes,
  getConflict,
  getRun,
  listConflicts,
  listHeldDeletes,
  listOps,
  listRuns,
  resolveConflict,
  retryOps,
} from '../index.ts';

// The admin operations against a real sync: Postgres, Redis, the five simulators. Nobody is
// created by policy (createPolicy skip), so people live where the seed put them and an
// ambiguous match can be linked to a candidate that has no record in that connection yet.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 21, contacts: 40 },
    configOverrides: { connection: { createPolicy: 'skip' }, push: { attempts: 2, backoff: 20, concurrency: 4 } },
  });
  await stack.sync();
});
afterAll(async () => {
  await stack?.close();
});

const rejection = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdminOpError);
  return err as AdminOpError;
};

/** Waits until no op is pending or in flight (the pushes of a decision landed). */
async function settled(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A person linked in both churchpad and growcrm. */
async function sharedPerson(skip = 0) {
  const church = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    orderBy: { externalId: 'asc' },
    skip,
  });
  const grow = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
  });
  return { canonicalId: church.canonicalId, church: church.externalId, grow: Number(grow.externalId) };
}

describe('admin operations', () => {
  it('reports each connection and the run history', async () => {
    const status = await connectionStatus(stack.res);
    expect(status.map((s) => s.id).sort()).toEqual(['churchpad', 'growcrm', 'ilert', 'nodeping', 'r-service']);
    for (const s of status) {
      expect(s.lastPull?.status).toBe('completed');
      expect(s.counts.links).toBeGreaterThan(0);
      expect(s.counts.snapshots).toBe(s.counts.links);
      expect(s.lagSeconds).toBeGreaterThanOrEqual(0);
    }

    const first = await listRuns(stack.res, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await listRuns(stack.res, { limit: 500, cursor: first.nextCursor! });
    expect(rest.nextCursor).toBeNull();
    const all = [...first.items, ...rest.items];
    expect(all).toHaveLength(6); // one resync and its five pulls
    expect(new Set(all.map((r) => r.id)).size).toBe(6);
    const resync = all.find((r) => r.kind === 'resync')!;
    const detail = await getRun(stack.res, resync.id);
    expect(detail.children.map((c) => c.connectionId).sort()).toEqual(status.map((s) => s.id).sort());
    expect((await listRuns(stack.res, { kind: 'pull', connectionId: 'ilert' })).items).toHaveLength(1);
  });

  it('refuses bad input with errors naming the problem', async () => {
    expect((await rejection(listOps(stack.res, { limit: 0 }))).message).toMatch(/^limit:/);
    expect((await rejection(listConflicts(stack.res, { cursor: 'garbage' }))).code).toBe('invalid');
    expect((await rejection(getConflict(stack.res, 'nope'))).code).toBe('not_found');
    expect((await rejection(getRun(stack.res, '00000000-0000-4000-8000-000000000000'))).code).toBe('not_found');
    expect((await rejection(retryOps(stack.res, {}))).message).toMatch(/^ids: give ids or connectionId/);
    const bad = await rejection(decideHeldDeletes(stack.res, { connectionId: 'nowhere', decision: 'confirm' }));
    expect(bad.code).toBe('not_found');
  });

  it('resolves a field conflict by picking a side, pushes it everywhere, and a resync then writes nothing', async () => {
    const p = await sharedPerson();
    stack.sandbox.sim.churchpad.update(p.church, { last_name: 'Fromchurch' });
    stack.sandbox.sim.growcrm.update(p.grow, { last_name: 'Fromgrow' });
    await stack.sync();

    const page = await listConflicts(stack.res, { kind: 'field', field: 'familyName', connectionId: 'growcrm' });
    const listed = page.items.find((c) => c.canonicalId === p.canonicalId)!;
    expect(listed.status).toBe('auto-resolved');
    expect(listed.chosen).toBe('Fromchurch'); // churchpad leads the priority order
    expect(listed.sides.map((s) => s.value).sort()).toEqual(['Fromchurch', 'Fromgrow']);

    const bad = await rejection(resolveConflict(stack.res, listed.id, { action: 'pick', connectionId: 'ilert' }));
    expect(bad.message).toMatch(/^connectionId: "ilert" is not a side/);

    const { conflict, opsEnqueued } = await resolveConflict(
      stack.res,
      listed.id,
      { action: 'pick', connectionId: 'growcrm' },
      'alice',
    );
    expect(conflict.status).toBe('resolved');
    expect(conflict.resolution).toMatchObject({
      action: 'pick',
      connectionId: 'growcrm',
      value: 'Fromgrow',
      by: 'alice',
    });
    expect(opsEnqueued).toBeGreaterThan(0);
    const canonical = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: p.canonicalId } });
    expect((canonical.data as { familyName: string }).familyName).toBe('Fromgrow');

    await settled();
    expect(stack.sandbox.sim.churchpad.get(p.church)?.last_name).toBe('Fromgrow');
    expect(stack.sandbox.sim.growcrm.get(p.grow)?.last_name).toBe('Fromgrow');
    expect((await rejection(resolveConflict(stack.res, listed.id, { action: 'keep' }))).code).toBe('conflict');

    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    // Every provider that holds a family name holds the chosen one.
    const links = await stack.res.prisma.link.findMany({ where: { canonicalId: p.canonicalId } });
    expect(links.length).toBeGreaterThanOrEqual(2);
    for (const l of links) {
      const snap = await stack.res.prisma.snapshotRecord.findUniqueOrThrow({
        where: { connectionId_externalId: { connectionId: l.connectionId, externalId: l.externalId } },
      });
      const projection = snap.projection as { familyName?: string | null };
      if ('familyName' in projection) expect(projection.familyName).toBe('Fromgrow');
    }
    expect(await divergences(stack.res)).toEqual([]);
  });

  it('links the record of an ambiguous match to the chosen candidate', async () => {
    // Two people with an email, neither with a NodePing record: a NodePing contact holding both emails matches both.
    const { people, contact } = await insertAmbiguousNodepingContact(stack);
    expect(people).toHaveLength(2);
    await stack.sync();

    const page = await listConflicts(stack.res, { kind: 'ambiguous-match', status: 'open', connectionId: 'nodeping' });
    expect(page.items).toHaveLength(1);
    const shown = await getConflict(stack.res, page.items[0]!.id);
    expect(shown.sides[0]?.externalId).toBe(contact._id);
    expect(shown.candidates?.map((c) => c.id).sort()).toEqual(people.map((p) => p.id).sort());

    expect(
      (await rejection(resolveConflict(stack.res, shown.id, { action: 'pick', connectionId: 'nodeping' }))).code,
    ).toBe('invalid');
    const chosen = people[0]!.id;
    const { conflict } = await resolveConflict(stack.res, shown.id, { action: 'link', canonicalId: chosen });
    expect(conflict.status).toBe('resolved');
    const link = await stack.res.prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'nodeping', externalId: contact._id } },
    });
    expect(link.canonicalId).toBe(chosen);
    await settled();
    await stack.sync(); // the record's values reach the person's other providers
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
  });

  it('retries failed ops with a new job id, and they then land', async () => {
    const p = await sharedPerson(1);
    stack.sandbox.setFaults({ error5xx: 1 }, 'growcrm');
    stack.sandbox.sim.churchpad.update(p.church, { first_name: 'Retried' });
    await stack.sync({ connectionId: 'churchpad' });
    const failed = await listOps(stack.res, { status: 'failed', connectionId: 'growcrm' });
    expect(failed.items).toHaveLength(1);
    const op = failed.items[0]!;
    expect(op.lastError).toBeTruthy();

    stack.sandbox.setFaults('none', 'growcrm');
    expect(await retryOps(stack.res, { connectionId: 'growcrm' })).toEqual({ retried: 1 });
    await settled();
    const after = await stack.res.prisma.outboxOp.findUniqueOrThrow({ where: { id: op.id } });
    expect(after.status).toBe('done');
    expect(after.generation).toBe(op.generation + 1);
    expect(stack.sandbox.sim.growcrm.get(p.grow)?.first_name).toBe('Retried');
    expect(await retryOps(stack.res, { ids: [op.id] })).toEqual({ retried: 0 }); // not failed any more
    expect((await rejection(retryOps(stack.res, { ids: ['00000000-0000-4000-8000-000000000000'] }))).code).toBe(
      'not_found',
    );
  });

  it('re-creates rejected held deletes and applies confirmed ones under the delete policy', async () => {
    const before = stack.sandbox.sim.churchpad.count();
    const removed = stack.sandbox.sim.churchpad.massDelete(Math.ceil(before * 0.6));
    await stack.sync();
    const held = await listHeldDeletes(stack.res, { connectionId: 'churchpad', status: 'held', limit: 500 });
    expect(held.items).toHaveLength(removed.length);
    expect(held.items.every((h) => h.canonicalId !== null && h.projection !== null)).toBe(true);

    // Held deletes made by one statement share their creation time, so the list's order among them is
    // arbitrary: keep two whose people churchpad alone holds where there are such, so that the ones
    // confirmed below hold a person linked elsewhere too (an unlucky order once kept both of those).
    const linkedElsewhere = new Set(
      (
        await stack.res.prisma.link.findMany({
          where: { canonicalId: { in: held.items.map((h) => h.canonicalId!) }, connectionId: { not: 'churchpad' } },
          select: { canonicalId: true },
        })
      ).map((l) => l.canonicalId),
    );
    const byPreference = [
      ...held.items.filter((h) => !linkedElsewhere.has(h.canonicalId!)),
      ...held.items.filter((h) => linkedElsewhere.has(h.canonicalId!)),
    ];
    const [keep1, keep2] = byPreference;
    const rejected = await decideHeldDeletes(stack.res, { ids: [keep1!.id, keep2!.id], decision: 'reject' });
    expect(rejected.decided).toBe(2);
    expect(rejected.opsEnqueued).toBe(2); // re-created in churchpad although its create policy is skip
    await settled();
    expect(stack.sandbox.sim.churchpad.count()).toBe(before - removed.length + 2);
    const back = await stack.res.prisma.link.findMany({
      where: { connectionId: 'churchpad', canonicalId: { in: [keep1!.canonicalId!, keep2!.canonicalId!] } },
    });
    expect(back).toHaveLength(2);
    expect(back.map((l) => l.externalId)).not.toContain(keep1!.externalId);

    // A person linked elsewhere too, among the ones about to be confirmed.
    const confirmIds = new Set(byPreference.slice(2).map((h) => h.canonicalId!));
    const elsewhere = await stack.res.prisma.link.findFirstOrThrow({
      where: { canonicalId: { in: [...confirmIds] }, connectionId: { not: 'churchpad' } },
    });
    const confirmed = await decideHeldDeletes(stack.res, { connectionId: 'churchpad', decision: 'confirm' });
    expect(confirmed.decided).toBe(removed.length - 2);
    expect(confirmed.opsEnqueued).toBeGreaterThan(0);
    expect((await rejection(decideHeldDeletes(stack.res, { ids: [keep1!.id], decision: 'confirm' }))).code).toBe(
      'conflict',
    );
    await settled();
    const gone = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: elsewhere.canonicalId } });
    expect(gone.deletedAt).not.toBeNull();
    expect(await stack.res.prisma.link.count({ where: { canonicalId: elsewhere.canonicalId } })).toBe(0);

    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(await stack.res.prisma.heldDelete.count({ where: { status: 'held' } })).toBe(0);
    expect(await divergences(stack.res)).toEqual([]);
  });
});
