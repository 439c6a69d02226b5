import { createTestDatabase } from '@contact-sync/services/test-db';
import { divergences } from '@contact-sync/testkit/convergence';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The main scenario end to end: real Postgres, real Redis, the five simulators over HTTP.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 11, contacts: 60 },
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('sync end to end', () => {
  it('converges on the initial full sync and makes no write on a second one', async () => {
    const first = await stack.sync();
    expect(first.run.opsPlanned).toBeGreaterThan(0);
    expect(stack.sandbox.writeCount()).toBeGreaterThan(0);
    expect(await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })).toBe(0);

    stack.sandbox.clearRequests();
    const second = await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(second.run.opsPlanned).toBe(0);
    expect(await divergences(stack.res)).toEqual([]);
  });

  it('carries an edit made in one provider to the others on the next run', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    });
    stack.sandbox.sim.churchpad.update(link.externalId, { first_name: 'Zebedee' });
    await stack.sync();
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    const growContact = stack.sandbox.sim.growcrm.get(Number(grow.externalId));
    expect(growContact?.first_name).toBe('Zebedee');
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
  });

  it('records one conflict for different edits of one field and applies the priority policy everywhere', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { externalId: 'desc' },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    stack.sandbox.sim.churchpad.update(link.externalId, { last_name: 'Fromchurch' });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: 'Fromgrow' });
    await stack.sync();
    const conflicts = await stack.res.prisma.conflict.findMany({
      where: { canonicalId: link.canonicalId, kind: 'field', field: 'familyName' },
    });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.chosen).toBe('Fromchurch'); // churchpad is first in the priority order
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.last_name).toBe('Fromchurch');
  });

  it('propagates a delete under the propagate policy', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { createdAt: 'asc' },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
    });
    expect(stack.sandbox.sim.churchpad.remove(link.externalId)).toBe(true);
    await stack.sync();
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))).toBeUndefined();
    const canonical = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: link.canonicalId } });
    expect(canonical.deletedAt).not.toBeNull();
  });

  it('holds the deletes of a pull in which most records vanished', async () => {
    const before = stack.sandbox.sim.churchpad.count();
    const removed = stack.sandbox.sim.churchpad.massDelete(Math.ceil(before * 0.6));
    stack.sandbox.clearRequests();
    await stack.sync();
    const held = await stack.res.prisma.heldDelete.count({ where: { connectionId: 'churchpad', status: 'held' } });
    expect(held).toBe(removed.length);
    // Nothing was deleted anywhere else because of it.
    const deletes = stack.sandbox.requests().filter((r) => r.effectiveMethod === 'DELETE');
    expect(deletes).toEqual([]);
  });
});
