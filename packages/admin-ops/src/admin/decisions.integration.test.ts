import { createTestDatabase } from '@contact-sync/services/test-db';
import { ledgerOf, ledgerOfDecision, ledgerOfRun } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminOpError, getConflict, listConflicts, resolveConflict, undoDecision, undoRun } from '../index.ts';

// Decisions on conflicts the policy held for review (conflict policy `hold`): an entered value,
// keeping the agreed value, a new person for an ambiguous match, dismissing.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 30 },
    configOverrides: { conflictPolicy: { kind: 'hold' }, connection: { createPolicy: 'skip' } },
  });
  await stack.sync();
});
afterAll(async () => {
  await stack?.close();
});

async function settled(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function heldConflict(skip: number) {
  const church = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
    orderBy: { externalId: 'asc' },
    skip,
  });
  const grow = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
  });
  const p = { canonicalId: church.canonicalId, church: church.externalId, grow: Number(grow.externalId) };
  const original = stack.sandbox.sim.churchpad.get(p.church)!.last_name;
  stack.sandbox.sim.churchpad.update(p.church, { last_name: `Church${skip}` });
  stack.sandbox.sim.growcrm.update(p.grow, { last_name: `Grow${skip}` });
  await stack.sync();
  const page = await listConflicts(stack.res, { status: 'open', kind: 'field', field: 'familyName' });
  const conflict = page.items.find((c) => c.canonicalId === p.canonicalId)!;
  expect(conflict).toBeDefined();
  // Held: nothing was written for the field, each side keeps its edit.
  expect(stack.sandbox.sim.churchpad.get(p.church)?.last_name).toBe(`Church${skip}`);
  expect(stack.sandbox.sim.growcrm.get(p.grow)?.last_name).toBe(`Grow${skip}`);
  return { ...p, conflict, original };
}

/**
 * Both sides relabel one phone a person holds in NodePing and R-Service: an "sms" address becomes
 * "voice", its R-Service twin "home" — labels neither vocabulary renders as the other (any label
 * reads as "sms" in NodePing, "voice" only as "work" in R-Service). Then syncs.
 */
async function labelClash(): Promise<void> {
  const digits = (s: string) => s.replace(/\D/g, '').slice(-9);
  const links = await stack.res.prisma.link.findMany({ where: { connectionId: { in: ['nodeping', 'r-service'] } } });
  const rsOf = new Map(links.filter((l) => l.connectionId === 'r-service').map((l) => [l.canonicalId, l.externalId]));
  for (const np of links.filter((l) => l.connectionId === 'nodeping')) {
    const rs = rsOf.get(np.canonicalId);
    const contact = stack.sandbox.sim.nodeping.get(np.externalId);
    if (!rs || !contact) continue;
    const phones = stack.sandbox.sim['r-service'].listContacts(Number(rs))?.filter((c) => c.telephone) ?? [];
    for (const [id, a] of Object.entries(contact.addresses)) {
      const same = phones.find((c) => digits(c.telephone!) === digits(a.address));
      if (!same || a.type !== 'sms') continue;
      stack.sandbox.sim.nodeping.update(np.externalId, {
        addresses: { ...contact.addresses, [id]: { ...a, type: 'voice' } },
      });
      stack.sandbox.sim['r-service'].updateContact(Number(rs), same.id, { label: 'home' });
      await stack.sync();
      return;
    }
  }
  throw new Error('the seed has no person with one sms phone in both NodePing and R-Service');
}

describe('decisions on held conflicts', () => {
  it('writes an entered value everywhere', async () => {
    const c = await heldConflict(0);
    const bad = await resolveConflict(stack.res, c.conflict.id, { action: 'value', value: 42 }).catch((e) => e);
    expect(bad).toBeInstanceOf(AdminOpError);
    expect((bad as AdminOpError).message).toMatch(/^value: .*expected string/);
    const { conflict, opsEnqueued } = await resolveConflict(stack.res, c.conflict.id, {
      action: 'value',
      value: '  Typed  ',
    });
    expect(conflict.status).toBe('resolved');
    expect(opsEnqueued).toBeGreaterThanOrEqual(2);
    await settled();
    expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe('Typed');
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe('Typed');
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    const open = await listConflicts(stack.res, { status: 'open', kind: 'field', field: 'familyName' });
    expect(open.items.filter((x) => x.canonicalId === c.canonicalId)).toEqual([]);
  });

  it('settles a set-entry label conflict by picking a side', async () => {
    // One phone labelled "voice" in NodePing and "mobile" in R-Service: labels neither vocabulary
    // can render as the other (an "sms"/"work" pair would agree), so the hold policy holds it.
    await labelClash();
    const open = await listConflicts(stack.res, { status: 'open', kind: 'field', limit: 500 });
    type Entry = { value: string; label: string | null };
    const c = open.items.find(
      (x) => (x.field === 'emails' || x.field === 'phones') && x.sides.some((s) => (s.value as Entry | null)?.label),
    )!;
    expect(c).toBeDefined();
    const side = c.sides.find((s) => (s.value as Entry | null)?.label)!;
    const entry = side.value as Entry;
    await resolveConflict(stack.res, c.id, { action: 'pick', connectionId: side.connectionId });
    await settled();
    const person = await stack.res.prisma.canonicalContact.findUniqueOrThrow({ where: { id: c.canonicalId! } });
    const held = (person.data as Record<string, Entry[]>)[c.field!]!.find((e) => e.value === entry.value);
    expect(held?.label).toBe(entry.label);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    const again = await listConflicts(stack.res, { status: 'open', kind: 'field', limit: 500 });
    const same = again.items.filter(
      (x) =>
        x.canonicalId === c.canonicalId &&
        x.field === c.field &&
        x.sides.some((s) => (s.value as Entry | null)?.value === entry.value),
    );
    expect(same).toEqual([]);
  });

  it('keeps the agreed value (written back to both sides); of two decisions at once one wins', async () => {
    const c = await heldConflict(1);
    expect(c.conflict.chosen).toBe(c.original);
    // Two admins at once: one decision wins, the other is told it came too late.
    const both = await Promise.allSettled([
      resolveConflict(stack.res, c.conflict.id, { action: 'keep' }),
      resolveConflict(stack.res, c.conflict.id, { action: 'pick', connectionId: 'growcrm' }),
    ]);
    const won = both.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as AdminOpError).code).toBe('conflict');
    const expected = both[0].status === 'fulfilled' ? c.original : 'Grow1';
    await settled();
    expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe(expected);
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe(expected);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
  });

  it('makes a new person of an ambiguous match, or dismisses it', async () => {
    const people = await stack.res.prisma.canonicalContact.findMany({
      where: { deletedAt: null, keys: { some: { kind: 'email' } } },
      include: { keys: { where: { kind: 'email' } } },
      orderBy: { id: 'asc' },
      take: 4,
    });
    const nodeping = stack.config.connections.find((x) => x.id === 'nodeping')!;
    const customer = String(nodeping.options.customerId ?? stack.sandbox.sim.nodeping.primaryId);
    const add = (name: string, pair: typeof people) =>
      stack.sandbox.sim.nodeping.insert(customer, {
        name,
        addresses: pair.map((p) => ({ address: p.keys[0]!.value, type: 'email' })),
      });
    const first = add('First Pair', people.slice(0, 2));
    const second = add('Second Pair', people.slice(2, 4));
    await stack.sync();
    const open = await listConflicts(stack.res, { status: 'open', kind: 'ambiguous-match' });
    const of = (ext: string) => open.items.find((c) => c.sides[0]?.externalId === ext)!;

    // A person who already has a NodePing record cannot take a second one.
    const taken = await stack.res.prisma.link.findFirstOrThrow({ where: { connectionId: 'nodeping' } });
    const refused = await resolveConflict(stack.res, of(first._id).id, {
      action: 'link',
      canonicalId: taken.canonicalId,
    }).catch((e) => e);
    expect((refused as AdminOpError).code).toBe('conflict');

    const made = await resolveConflict(stack.res, of(first._id).id, { action: 'create-new' }, 'bob');
    expect(made.conflict.status).toBe('resolved');
    const link = await stack.res.prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'nodeping', externalId: first._id } },
    });
    expect(people.map((p) => p.id)).not.toContain(link.canonicalId);
    expect((made.conflict.resolution as { canonicalId: string }).canonicalId).toBe(link.canonicalId);
    // The new person's creation is in the ledger, cell by cell, as the admin's decision.
    const created = await ledgerOf(stack.res.prisma, link.canonicalId);
    expect(created.map((e) => e.field)).toEqual(expect.arrayContaining(['displayName', 'emails']));
    for (const e of created) {
      expect(e.old).toBeNull();
      expect(e.cause).toMatchObject({ kind: 'admin', by: 'bob', decision: of(first._id).id });
    }
    expect((created.find((e) => e.field === 'displayName')?.new as string) ?? '').toBe('First Pair');
    // Undoing it would empty the record it created: refused, with the reason.
    const undoMade = await undoDecision(stack.res, of(first._id).id).catch((e) => e);
    expect((undoMade as AdminOpError).code).toBe('conflict');
    expect((undoMade as AdminOpError).message).toMatch(/was a create-new: it decided who is who/);

    const dismissed = await resolveConflict(stack.res, of(second._id).id, { action: 'dismiss' });
    expect(dismissed.conflict.status).toBe('dismissed');
    expect((await getConflict(stack.res, of(second._id).id)).candidates).toHaveLength(2);
    expect(await stack.res.prisma.link.count({ where: { connectionId: 'nodeping', externalId: second._id } })).toBe(0);
    await settled();
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
  });
});

describe('undo of one decision', () => {
  it('puts the value before the decision back everywhere (dry run first); the undo can be undone', async () => {
    const c = await heldConflict(2);
    await resolveConflict(stack.res, c.conflict.id, { action: 'value', value: 'Decided' }, 'carol');
    await settled();
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe('Decided');
    const rows = await ledgerOfDecision(stack.res.prisma, c.conflict.id);
    expect(rows.map((e) => [e.field, e.old, e.new])).toContainEqual(['familyName', c.original, 'Decided']);

    stack.sandbox.clearRequests();
    const dry = await undoDecision(stack.res, c.conflict.id, { dryRun: true });
    expect(dry).toMatchObject({ decisionId: c.conflict.id, runId: null, undoRunId: null, conflictsOpened: 0 });
    const where = (r: typeof dry) => r.writes.map((w) => `${w.connectionId}:${w.changed.join(',')}`).sort();
    expect(where(dry)).toEqual(expect.arrayContaining(['churchpad:familyName', 'growcrm:familyName']));
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe('Decided');

    const undo = await undoDecision(stack.res, c.conflict.id, { by: 'dave' });
    expect(where(undo)).toEqual(where(dry));
    await settled();
    expect(stack.sandbox.writeCount()).toBe(dry.writes.length);
    expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe(c.original);
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe(c.original);
    const undone = await ledgerOfRun(stack.res.prisma, undo.undoRunId!);
    expect(undone.find((e) => e.field === 'familyName')).toMatchObject({
      old: 'Decided',
      new: c.original,
      cause: { kind: 'undo', decision: c.conflict.id, by: 'dave' },
    });

    // The undo is a run of its own: undoing it brings the decision's value back.
    await undoRun(stack.res, undo.undoRunId!, { by: 'erin' });
    await settled();
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe('Decided');
    expect(stack.sandbox.sim.churchpad.get(c.church)?.last_name).toBe('Decided');
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
  });

  it('a field changed since the decision is not overwritten but becomes a conflict; bad ids are refused', async () => {
    const c = await heldConflict(3);
    await resolveConflict(stack.res, c.conflict.id, { action: 'value', value: 'Chosen' });
    await settled();
    stack.sandbox.sim.growcrm.update(c.grow, { last_name: 'Later' });
    await stack.sync();
    stack.sandbox.clearRequests();
    const undo = await undoDecision(stack.res, c.conflict.id);
    expect(undo.conflictsOpened).toBe(1);
    expect(undo.writes).toEqual([]);
    await settled();
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(stack.sandbox.sim.growcrm.get(c.grow)?.last_name).toBe('Later');
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: {
        canonicalId: c.canonicalId,
        status: 'open',
        field: 'familyName',
        rule: { contains: 'undo of decision' },
      },
    });
    expect(conflict.rule).toContain(`undo of decision ${c.conflict.id}: familyName changed since that decision`);
    expect(conflict.chosen).toBe('Later');

    const code = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as AdminOpError).code;
    expect(await code(undoDecision(stack.res, 'not-an-id'))).toBe('invalid');
    expect(await code(undoDecision(stack.res, '00000000-0000-4000-8000-000000000000'))).toBe('not_found');
    expect(await code(undoDecision(stack.res, conflict.id))).toBe('conflict'); // still open: nothing decided
  });
});
