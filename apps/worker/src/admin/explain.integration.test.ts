import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../stack.ts';
import { explainPerson } from './explain.ts';

// `explain` names the reason a provider differs: a field it cannot hold, a conflict held for
// review (hold policy), a quarantined record.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 9, contacts: 24 },
    configOverrides: { conflictPolicy: { kind: 'hold' } },
  });
  await stack.sync();
  await stack.sync();
});
afterAll(async () => {
  await stack?.close();
});

const inBoth = () =>
  stack.res.prisma.link.findMany({
    where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    orderBy: { externalId: 'asc' },
    take: 2,
  });

describe('explain', () => {
  it('a field a provider cannot hold, and a conflict held for review', async () => {
    const [link] = await inBoth();
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link!.canonicalId },
    });
    stack.sandbox.sim.churchpad.update(link!.externalId, { last_name: 'Churchside' });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: 'Growside' });
    await stack.sync();
    const x = await explainPerson(stack.res, link!.canonicalId);
    expect(x.conflicts).toContainEqual(expect.objectContaining({ kind: 'field', field: 'familyName', status: 'open' }));
    const church = x.records.find((r) => r.connectionId === 'churchpad')!;
    expect(church.gaps).toContainEqual(
      expect.objectContaining({ field: 'familyName', reason: 'held', holds: 'Churchside' }),
    );
    // A provider without a field the person has (ChurchPad: no title or organization; NodePing:
    // only a display name) names it as outside its capabilities.
    const outside = x.records.flatMap((r) => r.gaps.filter((g) => g.reason === 'not-in-capabilities'));
    expect(outside.length).toBeGreaterThan(0);
    for (const g of outside) expect(g.detail).toMatch(/has no /);
  });

  it('a quarantined record: its fields wait, the quarantine entry is listed', async () => {
    const [, link] = await inBoth();
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: link!.canonicalId },
    });
    stack.sandbox.scenarios.corrupt('growcrm', grow.externalId, 'email', 12345);
    stack.sandbox.sim.churchpad.update(link!.externalId, { last_name: 'Renamed' });
    await stack.sync();
    const x = await explainPerson(stack.res, link!.canonicalId);
    expect(x.quarantined.map((q) => q.connectionId)).toContain('growcrm');
    const g = x.records.find((r) => r.connectionId === 'growcrm')!;
    expect(g.snapshot?.quarantinedAt).not.toBeNull();
    expect(g.gaps).toContainEqual(expect.objectContaining({ field: 'familyName', reason: 'quarantined' }));
  });
});
