import { resolveConflict } from '@contact-sync/admin-ops';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, type StackOptions, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 16: no contact lost or merged by mistake when a provider misbehaves. Each situation is
// produced by the simulators' scenario control API; every connection propagates deletes, the
// most dangerous policy.

const writesTo = (stack: Stack, provider?: string) =>
  stack.sandbox.requests().filter((r) => r.effectiveMethod !== 'GET' && (!provider || r.provider === provider));
const deletesAnywhere = (stack: Stack) => stack.sandbox.requests().filter((r) => r.effectiveMethod === 'DELETE');

/** A whole stack on a database of its own (each situation starts from a clean state). */
async function freshStack(options: Omit<StackOptions, 'databaseUrl' | 'redisUrl' | 'prefix'>): Promise<Stack> {
  const db = await createTestDatabase();
  return startStack({ databaseUrl: db.databaseUrl, redisUrl: db.redisUrl, prefix: db.redisPrefix, ...options });
}

describe('an empty or truncated list never deletes anything, however small the account', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A tiny account: a few people, most of them created in ChurchPad by the engine itself.
    stack = await freshStack({
      sandboxOptions: { seed: 3, contacts: 4 },
    });
    await stack.sync();
  });
  afterAll(async () => stack?.close());

  it('a full pull that lists nothing holds every delete, those of records the engine created included', async () => {
    const held = stack.sandbox.sim.churchpad.count();
    const linked = await stack.res.prisma.link.count({ where: { connectionId: 'churchpad' } });
    expect(held).toBeGreaterThan(0);
    expect(linked).toBe(held);
    stack.sandbox.scenarios.emptyList('churchpad', 1);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(deletesAnywhere(stack)).toEqual([]);
    expect(await stack.res.prisma.heldDelete.count({ where: { connectionId: 'churchpad', status: 'held' } })).toBe(
      held,
    );
    expect(await stack.res.prisma.link.count({ where: { connectionId: 'churchpad' } })).toBe(linked);
  });

  it('held deletes whose records come back in a later pull are closed by themselves, with a note', async () => {
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(deletesAnywhere(stack)).toEqual([]);
    expect(await stack.res.prisma.heldDelete.count({ where: { status: 'held' } })).toBe(0);
    const resolved = await stack.res.prisma.heldDelete.findMany({ where: { status: 'resolved' } });
    expect(resolved.length).toBe(stack.sandbox.sim.churchpad.count());
    expect(resolved[0]!.note).toMatch(/listed again/);
  });

  it('one record of a three-record account vanishing is more than the threshold: held, not propagated', async () => {
    const ids = stack.sandbox.sim.nodeping.count();
    expect(ids).toBeLessThan(10);
    const [first] = Object.keys(stack.sandbox.sim.nodeping.list());
    stack.sandbox.sim.nodeping.remove(first!);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(deletesAnywhere(stack)).toEqual([]);
    expect(
      await stack.res.prisma.heldDelete.count({
        where: { connectionId: 'nodeping', externalId: first!, status: 'held' },
      }),
    ).toBe(1);
  });
});

describe('a record that stops validating is quarantined, never gone', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await freshStack({
      sandboxOptions: { seed: 11, contacts: 30 },
    });
    await stack.sync();
  });
  afterAll(async () => stack?.close());

  it('keeps its link and last good snapshot, deletes and changes nothing, and resumes once valid', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonical: { links: { some: { connectionId: 'nodeping' } } } },
      orderBy: { externalId: 'asc' },
    });
    const contact = stack.sandbox.sim.growcrm.get(Number(link.externalId))!;
    const email = contact.email;
    stack.sandbox.scenarios.corrupt('growcrm', link.externalId, 'email', 12345);
    stack.sandbox.clearRequests();
    await stack.sync();

    expect(deletesAnywhere(stack)).toEqual([]);
    expect(writesTo(stack)).toEqual([]);
    const entry = await stack.res.prisma.quarantinedRecord.findFirstOrThrow({
      where: { connectionId: 'growcrm', externalId: link.externalId },
    });
    expect(entry.error).toMatch(/^email: /);
    const snap = await stack.res.prisma.snapshotRecord.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'growcrm', externalId: link.externalId } },
    });
    expect(snap.goneAt).toBeNull();
    expect(snap.quarantinedAt).not.toBeNull();
    expect(await stack.res.prisma.link.findUnique({ where: { id: link.id } })).not.toBeNull();

    // Valid again, with an edit: sync resumes from the base and carries the edit.
    stack.sandbox.sim.growcrm.update(Number(link.externalId), { email, first_name: 'Quentin' });
    await stack.sync();
    const np = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'nodeping', canonicalId: link.canonicalId },
    });
    expect(stack.sandbox.sim.nodeping.get(np.externalId)?.name).toMatch(/^Quentin /);
    const after = await stack.res.prisma.snapshotRecord.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'growcrm', externalId: link.externalId } },
    });
    expect(after.quarantinedAt).toBeNull();
  });

  it('schema drift in ilert (a status not in the enum) quarantines that user, never the person', async () => {
    const link = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'ilert' },
      orderBy: { externalId: 'asc' },
    });
    const user = stack.sandbox.sim.ilert.listEmails(Number(link.externalId));
    expect(user.length).toBeGreaterThan(0);
    stack.sandbox.scenarios.corrupt('ilert', link.externalId, 'emails.0.status', 'SUSPENDED');
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(deletesAnywhere(stack)).toEqual([]);
    expect(writesTo(stack)).toEqual([]);
    const entry = await stack.res.prisma.quarantinedRecord.findFirstOrThrow({
      where: { connectionId: 'ilert', externalId: link.externalId },
    });
    expect(entry.error).toMatch(/status/);
  });
  it('schema drift in R-Service (a value over 255 characters) quarantines that person, never the person elsewhere', async () => {
    const links = await stack.res.prisma.link.findMany({
      where: { connectionId: 'r-service' },
      orderBy: { externalId: 'asc' },
    });
    const link = links.find(
      (l) => (stack.sandbox.sim['r-service'].listContacts(Number(l.externalId)) ?? []).length > 0,
    )!;
    const [contact] = stack.sandbox.sim['r-service'].listContacts(Number(link.externalId))!;
    const kind = (['telephone', 'email', 'website', 'chat'] as const).find((k) => contact![k] !== undefined)!;
    const linkedBefore = await stack.res.prisma.link.count({ where: { canonicalId: link.canonicalId } });
    stack.sandbox.scenarios.corrupt('r-service', link.externalId, `contacts.0.${kind}`, 'x'.repeat(300));
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(deletesAnywhere(stack)).toEqual([]);
    expect(writesTo(stack)).toEqual([]);
    const entry = await stack.res.prisma.quarantinedRecord.findFirstOrThrow({
      where: { connectionId: 'r-service', externalId: link.externalId },
    });
    expect(entry.error).toMatch(new RegExp(`contacts\\.0\\.${kind}`));
    expect(await stack.res.prisma.link.count({ where: { canonicalId: link.canonicalId } })).toBe(linkedBefore);
  });
});

describe('a key shared by several people never merges them', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('a NodePing contact whose only address is a landline two ChurchPad people hold is linked to nobody', async () => {
    stack = await freshStack({
      sandboxOptions: { seed: 7, contacts: 10 },
    });
    const family = stack.sandbox.scenarios.sharedLandline();
    await stack.sync();
    expect(
      await stack.res.prisma.link.findUnique({
        where: { connectionId_externalId: { connectionId: 'nodeping', externalId: family.nodeping } },
      }),
    ).toBeNull();
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { kind: 'ambiguous-match', status: 'open', connectionId: 'nodeping' },
    });
    expect((conflict.sides as { externalId: string }[])[0]!.externalId).toBe(family.nodeping);
    // The two ChurchPad people stay two people.
    const links = await stack.res.prisma.link.findMany({
      where: { connectionId: 'churchpad', externalId: { in: family.churchpad } },
    });
    expect(new Set(links.map((l) => l.canonicalId)).size).toBe(2);
    // Nothing was written to the family contact.
    const contact = stack.sandbox.sim.nodeping.get(family.nodeping)!;
    expect(Object.values(contact.addresses).map((a) => a.type)).toEqual(['voice']);
    expect(writesTo(stack, 'nodeping').filter((r) => r.path.includes(family.nodeping))).toEqual([]);
  });
});

describe('a delete of a record the engine created is seen even if no pull ever saw it', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('a completed full pull treats the linked record it did not list as gone; the delete policy applies', async () => {
    stack = await freshStack({
      sandboxOptions: { seed: 13, contacts: 30 },
    });
    await stack.sync();
    const person = stack.sandbox.sim.churchpad.insert({
      first_name: 'Ingrid',
      last_name: 'Vanished',
      phone: '+12125550177',
      email: 'ingrid.vanished@example.org',
    });
    stack.sandbox.scenarios.deleteAfterCreate('growcrm', 1);
    await stack.sync();
    const church = await stack.res.prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'churchpad', externalId: person.id } },
    });
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
    });
    expect(stack.sandbox.sim.growcrm.get(Number(grow.externalId))).toBeUndefined();

    // The next full pull does not list it: a delete in Grow CRM, propagated by its policy.
    await stack.sync();
    expect(
      await stack.res.prisma.link.findUnique({
        where: { connectionId_externalId: { connectionId: 'growcrm', externalId: grow.externalId } },
      }),
    ).toBeNull();
    expect(stack.sandbox.sim.churchpad.get(person.id)).toBeUndefined();
    const canonical = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: church.canonicalId } });
    expect(canonical.deletedAt).not.toBeNull();
    // And a resync after that finds nothing to do (no PUT to a record that is gone).
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writesTo(stack)).toEqual([]);
  });
});

describe('a value decided by hand reaches every provider that holds the field, display names included', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('under the hold policy, an entered given name reaches NodePing’s display name', async () => {
    stack = await freshStack({
      sandboxOptions: { seed: 5, contacts: 30 },
      configOverrides: { conflictPolicy: { kind: 'hold' } },
    });
    await stack.sync();
    const links = await stack.res.prisma.link.findMany({
      where: {
        canonical: {
          AND: [
            { links: { some: { connectionId: 'churchpad' } } },
            { links: { some: { connectionId: 'growcrm' } } },
            { links: { some: { connectionId: 'nodeping' } } },
          ],
        },
      },
      orderBy: { canonicalId: 'asc' },
    });
    // Names compared as Unicode text: a seeded record may hold a name decomposed (NFD).
    const nfc = (v: string | undefined) => v?.normalize('NFC');
    const extOf = (id: string, c: string) =>
      links.find((l) => l.canonicalId === id && l.connectionId === c)!.externalId;
    // A person whose NodePing display name is their ChurchPad given + family name (some seeded
    // people carry a middle name there): which person sorts first by id varies per run.
    const canonicalId = [...new Set(links.map((l) => l.canonicalId))].find((id) => {
      const c = stack.sandbox.sim.churchpad.get(extOf(id, 'churchpad'));
      const n = stack.sandbox.sim.nodeping.get(extOf(id, 'nodeping'));
      return c && n && nfc(n.name) === nfc(`${c.first_name} ${c.last_name}`);
    })!;
    const of = (c: string) => extOf(canonicalId, c);
    const church = stack.sandbox.sim.churchpad.get(of('churchpad'))!;
    const nodepingName = stack.sandbox.sim.nodeping.get(of('nodeping'))!.name;
    expect(nfc(nodepingName)).toBe(nfc(`${church.first_name} ${church.last_name}`));
    stack.sandbox.sim.churchpad.update(of('churchpad'), { first_name: 'Carla-Sofia' });
    stack.sandbox.sim.growcrm.update(Number(of('growcrm')), { first_name: 'Carla Sofia' });
    await stack.sync();
    // Held: nothing written for the names anywhere, NodePing's display name included.
    expect(stack.sandbox.sim.nodeping.get(of('nodeping'))!.name).toBe(nodepingName);
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { canonicalId, kind: 'field', field: 'givenName', status: 'open' },
    });

    await resolveConflict(stack.res, conflict.id, { action: 'value', value: 'Carla-Sofia' });
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.sim.growcrm.get(Number(of('growcrm')))?.first_name).toBe('Carla-Sofia');
    expect(nfc(stack.sandbox.sim.nodeping.get(of('nodeping'))!.name)).toBe(nfc(`Carla-Sofia ${church.last_name}`));
    // Settled: the next resync writes nothing.
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writesTo(stack)).toEqual([]);
  });
});
