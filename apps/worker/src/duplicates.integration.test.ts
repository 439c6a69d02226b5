import { runPull } from '@contact-sync/engine/pull/pull';
import { runReconcile } from '@contact-sync/engine/reconcile/reconcile';
import { syncConnections } from '@contact-sync/engine/worker';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { committedMaxSeq } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A provider's duplicate of a person pulled before the original, each in its own reconcile batch:
// the record that agrees with the person's other records ends up linked, the stray one reported.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 3, contacts: 5 },
    startConsumers: false,
    configOverrides: { reconcile: { batchSize: 1 }, connection: { createPolicy: 'skip' } },
  });
  await syncConnections(stack.res);
});
afterAll(async () => {
  await stack?.close();
});

describe('a provider holding two records of one person', () => {
  it('links the one sharing the person’s e-mail, whichever came first, and reports the other', async () => {
    const phone = '+14155550199';
    const grow = stack.sandbox.sim.growcrm;
    // The stray duplicate is older (listed first); the original shares ChurchPad's address.
    const stray = grow.insert({
      first_name: 'Dana',
      last_name: 'Dup',
      email: 'dana.other@dup.example',
      phone,
      clientId: 1,
    });
    const original = grow.insert({
      first_name: 'Dana',
      last_name: 'Dup',
      email: 'dana@dup.example',
      phone,
      clientId: 1,
    });
    stack.sandbox.sim.churchpad.insert({ first_name: 'Dana', last_name: 'Dup', email: 'dana@dup.example', phone });

    await runPull(stack.res, { connectionId: 'growcrm', full: true });
    await runPull(stack.res, { connectionId: 'churchpad', full: true });
    await runReconcile(stack.res, await committedMaxSeq(stack.res.prisma));

    const linked = await stack.res.prisma.link.findMany({
      where: { connectionId: 'growcrm', externalId: { in: [String(stray.id), String(original.id)] } },
    });
    expect(linked.map((l) => l.externalId)).toEqual([String(original.id)]);
    const reports = await stack.res.prisma.conflict.findMany({
      where: { kind: 'duplicate-in-provider', canonicalId: linked[0]!.canonicalId },
    });
    const about = (status: string) =>
      reports.filter((r) => r.status === status).map((r) => (r.sides as { externalId: string }[])[0]!.externalId);
    expect(about('open')).toEqual([String(stray.id)]);
    expect(about('dismissed')).toEqual([String(original.id)]);
    // Planned from the agreeing record: the stray address goes nowhere.
    const ops = await stack.res.prisma.outboxOp.findMany({ where: { canonicalId: linked[0]!.canonicalId } });
    expect(JSON.stringify(ops.map((o) => o.target))).not.toContain('dana.other@dup.example');
  });
});
