import { createTestDatabase } from '@contact-sync/services/test-db';
import { ledgerOf, ledgerOfRun } from '@contact-sync/store';
import { divergences } from '@contact-sync/testkit/convergence';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personHistory, pruneLedgerOlderThan } from './history.ts';
import { undoRun } from './undo.ts';

// The ledger, history and undo end to end: real Postgres, Redis and the five simulators.
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 21, contacts: 120 },
    // The bad bulk edit must reach every provider for there to be something to undo: the
    // blast-radius guard would hold it (update-guard.integration.test.ts covers that).
    configOverrides: { connection: { updateGuard: { share: 1, minimum: 1_000_000 } } },
  });
  // Twice: records the first sync created are pulled (and agreed) by the second.
  await stack.sync();
  await stack.sync();
});
afterAll(async () => {
  await stack?.close();
});

/**
 * What every provider holds, as the engine reads it (content only: no timestamps, no `raw`, which
 * never takes part in comparison). A phone compares by its national digits: any write of a
 * record sends its numbers in E.164, so "06 82 01 42 70" comes back as "+33682014270" — the same
 * number, one entry.
 */
async function providerState(): Promise<Map<string, unknown>> {
  const rows = await stack.res.prisma.snapshotRecord.findMany({ where: { goneAt: null } });
  type Entry = { value: string; label: string | null };
  const content = (p: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(p).map(([f, v]) =>
        Array.isArray(v)
          ? [f, (v as Entry[]).map((e) => ({ value: f === 'phones' ? e.value.slice(-9) : e.value, label: e.label }))]
          : [f, v],
      ),
    );
  return new Map(
    rows.map((r) => [`${r.connectionId}/${r.externalId}`, content(r.projection as Record<string, unknown>)]),
  );
}

const BAD = 50;

async function settled(): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('undo of a run', () => {
  it('a bad bulk edit is in the ledger, undone with the minimal writes; a person edited since gets a conflict', async () => {
    const links = await stack.res.prisma.link.findMany({
      where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      orderBy: { externalId: 'asc' },
      take: BAD,
    });
    expect(links).toHaveLength(BAD);
    const before = await providerState();

    // The bad run: 50 family names overwritten in ChurchPad (the bad bulk edit).
    for (const l of links) stack.sandbox.sim.churchpad.update(l.externalId, { last_name: 'Wrong' });
    const bad = await stack.sync();
    const badRunId = bad.run.id;
    const entries = await ledgerOfRun(stack.res.prisma, badRunId);
    const family = entries.filter((e) => e.field === 'familyName');
    expect(new Set(family.map((e) => e.canonicalId))).toEqual(new Set(links.map((l) => l.canonicalId)));
    for (const e of family) {
      expect(e.new).toBe('Wrong');
      expect(e.cause).toMatchObject({ kind: 'provider', connectionId: 'churchpad' });
    }
    const badOps = await stack.res.prisma.outboxOp.findMany({ where: { runId: badRunId } });
    expect(badOps.length).toBeGreaterThan(0);

    // One of them is fixed by hand in GrowCRM after the bad run.
    const edited = links[0]!;
    const grow = await stack.res.prisma.link.findFirstOrThrow({
      where: { connectionId: 'growcrm', canonicalId: edited.canonicalId },
    });
    stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: 'Fixedbyhand' });
    await stack.sync();

    // A dry run plans and writes nothing.
    stack.sandbox.clearRequests();
    const dry = await undoRun(stack.res, badRunId, { dryRun: true });
    expect(dry.undoRunId).toBeNull();
    expect(dry.conflictsOpened).toBe(1);
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(await stack.res.prisma.outboxOp.count({ where: { status: 'pending' } })).toBe(0);

    const undo = await undoRun(stack.res, badRunId, { by: 'test' });
    expect(undo.conflictsOpened).toBe(1);
    expect(undo.writes.map((w) => [w.canonicalId, w.connectionId, w.kind]).sort()).toEqual(
      dry.writes.map((w) => [w.canonicalId, w.connectionId, w.kind]).sort(),
    );
    await settled();
    expect(stack.sandbox.writeCount()).toBe(undo.writes.length);
    await stack.sync();

    // Minimal: exactly the records the bad run wrote, plus ChurchPad's own (where the edit came
    // from), for every person but the one edited since; nobody else is written.
    const expected = new Set([
      ...badOps.filter((o) => o.canonicalId !== edited.canonicalId).map((o) => `${o.canonicalId}/${o.connectionId}`),
      ...links.slice(1).map((l) => `${l.canonicalId}/churchpad`),
    ]);
    const undoOps = await stack.res.prisma.outboxOp.findMany({ where: { runId: undo.undoRunId } });
    expect(new Set(undoOps.map((o) => `${o.canonicalId}/${o.connectionId}`))).toEqual(expected);
    expect(undoOps).toHaveLength(expected.size);
    expect(undoOps.every((o) => o.kind === 'update' && o.status === 'done')).toBe(true);

    // Every provider is back where it was before the bad run, except the hand-fixed person, who
    // keeps the fix everywhere and has a conflict to review instead.
    const now = await providerState();
    const editedRecords = new Set(
      (await stack.res.prisma.link.findMany({ where: { canonicalId: edited.canonicalId } })).map(
        (l) => `${l.connectionId}/${l.externalId}`,
      ),
    );
    for (const [key, projection] of before) {
      const family = (now.get(key) as { familyName?: string | null }).familyName;
      if (editedRecords.has(key)) expect(family === undefined || family === 'Fixedbyhand', key).toBe(true);
      else expect(now.get(key), key).toEqual(projection);
    }
    const conflict = await stack.res.prisma.conflict.findFirstOrThrow({
      where: { canonicalId: edited.canonicalId, status: 'open', field: 'familyName' },
    });
    expect(conflict.rule).toContain(`undo of run ${badRunId}`);
    expect(conflict.chosen).toBe('Fixedbyhand');

    // The undo is in the ledger, and the next sync writes nothing.
    const undone = await ledgerOfRun(stack.res.prisma, undo.undoRunId!);
    expect(undone.filter((e) => e.field === 'familyName')).toHaveLength(BAD - 1);
    expect(undone.every((e) => (e.cause as { kind: string }).kind === 'undo')).toBe(true);
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(stack.sandbox.writeCount()).toBe(0);
    expect(await divergences(stack.res)).toEqual([]);
  });

  it("history: a person's changes and the writes they caused, newest first", async () => {
    const [entry] = await stack.res.prisma.ledgerEntry.findMany({
      where: { field: 'familyName', causeKind: 'undo' },
      take: 1,
    });
    const h = await personHistory(stack.res, entry!.canonicalId);
    expect(h.canonicalId).toBe(entry!.canonicalId);
    const ats = h.events.map((e) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
    const kinds = h.events.map((e) => (e.type === 'change' ? `change:${(e.cause as { kind: string }).kind}` : 'write'));
    // newest: the undo's write(s) and its change, then the bad run's, then the initial sync's
    expect(kinds[0]).toBe('write');
    expect(kinds).toContain('change:undo');
    expect(kinds).toContain('change:provider');
    expect(kinds.indexOf('change:undo')).toBeLessThan(kinds.indexOf('change:provider'));
    // by e-mail too
    const person = await stack.res.prisma.canonicalKey.findFirstOrThrow({
      where: { canonicalId: entry!.canonicalId, kind: 'email' },
    });
    expect((await personHistory(stack.res, person.value.toUpperCase())).canonicalId).toBe(entry!.canonicalId);
  });

  it('prunes ledger rows older than an age, and only those', async () => {
    const total = await stack.res.prisma.ledgerEntry.count();
    expect((await pruneLedgerOlderThan(stack.res, '90d')).deleted).toBe(0);
    const some = await stack.res.prisma.ledgerEntry.findMany({ take: 5, orderBy: { id: 'asc' } });
    await stack.res.prisma.ledgerEntry.updateMany({
      where: { id: { in: some.map((s) => s.id) } },
      data: { at: new Date(Date.now() - 100 * 86_400_000) },
    });
    expect((await pruneLedgerOlderThan(stack.res, '90d')).deleted).toBe(5);
    expect(await stack.res.prisma.ledgerEntry.count()).toBe(total - 5);
    expect(await ledgerOf(stack.res.prisma, some[0]!.canonicalId)).not.toContainEqual(some[0]);
  });
});
