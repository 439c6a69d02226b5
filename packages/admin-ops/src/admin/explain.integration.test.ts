import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainPerson } from './explain.ts';

// `explain` names the reason a provider differs: a field it cannot hold, a conflict held for
// review (hold policy), a quarantined record, a write the provider rejected, a write still pending.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 9, contacts: 24 },
    // A short request timeout: the pending-op case holds Grow CRM's answers until the client gives up.
    configOverrides: { conflictPolicy: { kind: 'hold' }, connection: { timeout: '2s' } },
  });
  await stack.sync();
  await stack.sync();
});
afterAll(async () => {
  await stack?.close();
});

const inBoth = (take = 2) =>
  stack.res.prisma.link.findMany({
    where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    orderBy: { externalId: 'asc' },
    take,
  });
const growOf = (canonicalId: string) =>
  stack.res.prisma.link.findFirstOrThrow({ where: { connectionId: 'growcrm', canonicalId } });
const until = async (what: string, cond: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

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

  it("a rejected write: the field names the provider's refusal", async () => {
    // Grow CRM refuses an e-mail another of its contacts has: the person's new ChurchPad address
    // is one of them.
    const people = await inBoth(4);
    const person = people[2]!;
    const grow = await growOf(person.canonicalId);
    const other = await growOf(people[3]!.canonicalId);
    const taken = stack.sandbox.sim.growcrm.get(Number(other.externalId))!.email;
    stack.sandbox.sim.churchpad.update(person.externalId, { email: taken });
    await stack.sync();
    const x = await explainPerson(stack.res, person.canonicalId);
    const failed = x.ops.find((o) => o.connectionId === 'growcrm' && o.status === 'failed');
    expect(failed?.lastError).toMatch(/already been taken/);
    expect(x.conflicts).toContainEqual(expect.objectContaining({ kind: 'rejected-write', connectionId: 'growcrm' }));
    const g = x.records.find((r) => r.connectionId === 'growcrm' && r.externalId === grow.externalId)!;
    const gap = g.gaps.find((x) => x.field === 'emails');
    expect(gap).toMatchObject({ reason: 'rejected' });
    expect(gap?.detail).toMatch(/already been taken/);
  });

  it('a pending op: the field waits for the write under way', async () => {
    const person = (await inBoth(5))[4]!;
    const grow = await growOf(person.canonicalId);
    // Grow CRM takes the request and never answers: the push waits out its timeout, retries.
    stack.sandbox.setFaults({ timeout: 1, timeoutHoldMs: 600_000 }, 'growcrm');
    stack.sandbox.sim.churchpad.update(person.externalId, { first_name: 'Underway' });
    const syncing = stack.sync({ connectionId: 'churchpad', timeoutMs: 60_000 });
    try {
      await until(
        'a grow crm write under way',
        async () =>
          (await stack.res.prisma.outboxOp.count({
            where: {
              canonicalId: person.canonicalId,
              connectionId: 'growcrm',
              status: { in: ['pending', 'in_flight'] },
            },
          })) > 0,
      );
      const x = await explainPerson(stack.res, person.canonicalId);
      const op = x.ops.find((o) => o.connectionId === 'growcrm')!;
      expect(['pending', 'in_flight']).toContain(op.status);
      expect(op.changed).toContain('givenName');
      const g = x.records.find((r) => r.connectionId === 'growcrm' && r.externalId === grow.externalId)!;
      expect(g.gaps).toContainEqual(
        expect.objectContaining({ field: 'givenName', reason: 'waiting', holds: expect.anything() }),
      );
    } finally {
      stack.sandbox.setFaults('none', 'growcrm');
    }
    await syncing;
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Underway');
    const after = await explainPerson(stack.res, person.canonicalId);
    expect(after.records.find((r) => r.connectionId === 'growcrm')!.gaps.map((x) => x.field)).not.toContain(
      'givenName',
    );
  });
});
