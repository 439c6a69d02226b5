import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  afterOpEnded,
  analyzeSyncTables,
  anyRecheckDue,
  bumpRun,
  candidatesByKeys,
  claimOp,
  clearRecheckDue,
  createPrisma,
  createRun,
  emptyReconcileWrite,
  finishPush,
  getRun,
  listRuns,
  markDueIfEnded,
  preferIndexScans,
  recheckDue,
  syncTablesGrew,
  writeReconcileBatch,
} from './index.ts';

// The push path's bookkeeping statements and the revisit markers, on a real Postgres (~2 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

async function person(recheck = false): Promise<string> {
  const id = randomUUID();
  await prisma.canonicalContact.create({ data: { id, data: {}, contentHash: id, recheck } });
  return id;
}

async function op(canonicalId: string, runId: string | null = null, connectionId = 'growcrm'): Promise<string> {
  const row = await prisma.outboxOp.create({
    data: { idempotencyKey: randomUUID(), connectionId, canonicalId, kind: 'create', changed: [], runId },
  });
  return row.id;
}

beforeEach(async () => {
  await prisma.$executeRaw`DELETE FROM recheck_due`;
});

describe('claimOp', () => {
  it('claims a pending op once it is pending or in flight, and says whether the person is linked there', async () => {
    const c = await person();
    const id = await op(c);
    const first = await claimOp(prisma, id);
    expect(first).toMatchObject({ id, status: 'in_flight', attempts: 1, linked: false });
    await prisma.link.create({ data: { connectionId: 'growcrm', externalId: 'g1', canonicalId: c } });
    expect(await claimOp(prisma, id)).toMatchObject({ attempts: 2, linked: true });
    await prisma.outboxOp.update({ where: { id }, data: { status: 'done' } });
    expect(await claimOp(prisma, id)).toBeNull();
  });
});

describe('finishPush', () => {
  it('writes the link and ends the op together; a second push of the record updates the same link', async () => {
    const c = await person();
    const id = await op(c);
    const link = { connectionId: 'growcrm', externalId: 'g2', canonicalId: c, baseHash: 'h1', extras: { etag: 1 } };
    await finishPush(prisma, id, { upsert: { ...link, base: { givenName: 'Ann' } } }, 'adopted');
    const op1 = await prisma.outboxOp.findUniqueOrThrow({ where: { id } });
    expect(op1).toMatchObject({ status: 'done', lastError: 'adopted' });
    expect(op1.completedAt).not.toBeNull();
    const l1 = await prisma.link.findUniqueOrThrow({
      where: { connectionId_externalId: { connectionId: 'growcrm', externalId: 'g2' } },
    });
    expect(l1).toMatchObject({ canonicalId: c, base: { givenName: 'Ann' }, baseHash: 'h1', extras: { etag: 1 } });

    const id2 = await op(c);
    await finishPush(prisma, id2, { upsert: { ...link, base: { givenName: 'Anna' }, baseHash: 'h2' } });
    const l2 = await prisma.link.findUniqueOrThrow({ where: { id: l1.id } });
    expect(l2).toMatchObject({ base: { givenName: 'Anna' }, baseHash: 'h2' });
    expect(l2.updatedAt.getTime()).toBeGreaterThanOrEqual(l1.updatedAt.getTime());

    const id3 = await op(c);
    await finishPush(prisma, id3, { unlink: { connectionId: 'growcrm', externalId: 'g2' } });
    expect(await prisma.link.count({ where: { canonicalId: c } })).toBe(0);
    expect((await prisma.outboxOp.findUniqueOrThrow({ where: { id: id3 } })).status).toBe('done');
  });

  it('changes nothing when the link cannot be written (the op stays in flight for a retry)', async () => {
    const c = await person();
    const other = await person();
    await prisma.link.create({ data: { connectionId: 'growcrm', externalId: 'taken', canonicalId: other } });
    await prisma.link.create({ data: { connectionId: 'growcrm', externalId: 'mine', canonicalId: c } });
    const id = await op(c);
    await claimOp(prisma, id);
    // (growcrm, c) is linked to "mine" already: linking "taken" to c breaks the one-record-per-person rule.
    await expect(
      finishPush(prisma, id, {
        upsert: { connectionId: 'growcrm', externalId: 'taken', canonicalId: c, base: {}, baseHash: 'h', extras: {} },
      }),
    ).rejects.toThrow();
    expect((await prisma.outboxOp.findUniqueOrThrow({ where: { id } })).status).toBe('in_flight');
    expect((await prisma.link.findFirstOrThrow({ where: { externalId: 'taken' } })).canonicalId).toBe(other);
  });
});

describe('afterOpEnded', () => {
  it('counts the op under its run and marks a flagged person due; an unflagged person is not marked', async () => {
    const run = await createRun(prisma, { kind: 'resync', full: true });
    const flagged = await person(true);
    const calm = await person(false);
    expect(await afterOpEnded(prisma, { canonicalId: flagged, runId: run.id }, { opsApplied: 1 })).toBe(true);
    expect(await afterOpEnded(prisma, { canonicalId: calm, runId: run.id }, { opsApplied: 1 })).toBe(false);
    expect(await afterOpEnded(prisma, { canonicalId: calm, runId: run.id }, { opsFailed: 1 })).toBe(false);
    expect(await afterOpEnded(prisma, { canonicalId: flagged, runId: null }, { opsApplied: 1 })).toBe(true);
    // Counted apart from the run's row (no hot row), and read as one number.
    expect((await prisma.syncRun.findUniqueOrThrow({ where: { id: run.id } })).opsApplied).toBe(0);
    await bumpRun(prisma, run.id, { opsFailed: 1 }); // a rejection counts on the run's row
    const counted = (await getRun(prisma, run.id))!;
    expect({ applied: counted.opsApplied, failed: counted.opsFailed }).toEqual({ applied: 2, failed: 2 });
    const listed = (await listRuns(prisma, { limit: 10, offset: 0 })).find((r) => r.id === run.id)!;
    expect({ applied: listed.opsApplied, failed: listed.opsFailed }).toEqual({ applied: 2, failed: 2 });
    const due = await recheckDue(prisma, 10);
    expect(due.markerIds).toHaveLength(2);
    expect(due.ready).toEqual([{ canonicalId: flagged, runId: null }]);
  });

  it('markDueIfEnded marks only when the op is no longer in flight', async () => {
    const c = await person(true);
    const id = await op(c);
    await claimOp(prisma, id);
    expect(await markDueIfEnded(prisma, id)).toBe(false);
    await prisma.outboxOp.update({ where: { id }, data: { status: 'failed' } });
    expect(await markDueIfEnded(prisma, id)).toBe(true);
  });
});

describe('revisit markers', () => {
  it('a flagged person is due when flagged, ready once no op of theirs is unfinished, with the run it counts under', async () => {
    const run = await createRun(prisma, { kind: 'pull', connectionId: 'growcrm', full: true });
    const c = await person();
    await prisma.$transaction((tx) =>
      writeReconcileBatch(tx, { ...emptyReconcileWrite(), recheck: [{ canonicalId: c, value: true, runId: run.id }] }),
    );
    expect((await prisma.canonicalContact.findUniqueOrThrow({ where: { id: c } })).recheck).toBe(true);
    expect(await anyRecheckDue(prisma)).toBe(true);
    expect((await recheckDue(prisma, 10)).ready).toEqual([{ canonicalId: c, runId: run.id }]);

    // An unfinished op makes the person not ready; the examined marker is cleared.
    const id = await op(c);
    const first = await recheckDue(prisma, 10);
    expect(first.ready).toEqual([]);
    // The op ends after the examination read it in flight: its marker is another row and survives the clear.
    await prisma.outboxOp.update({ where: { id }, data: { status: 'done' } });
    expect(await afterOpEnded(prisma, { canonicalId: c, runId: null }, { opsApplied: 1 })).toBe(true);
    await clearRecheckDue(prisma, first.markerIds);
    expect((await recheckDue(prisma, 10)).ready).toEqual([{ canonicalId: c, runId: null }]);

    // Unflagging writes no marker; a marker of an unflagged person is not ready.
    await prisma.$transaction((tx) =>
      writeReconcileBatch(tx, { ...emptyReconcileWrite(), recheck: [{ canonicalId: c, value: false }] }),
    );
    const last = await recheckDue(prisma, 10);
    expect(last.ready).toEqual([]);
    await clearRecheckDue(prisma, last.markerIds);
    expect(await anyRecheckDue(prisma)).toBe(false);
  });

  it('a person stored and flagged in one batch is written once, flagged and due; a stored one takes the flag with its update', async () => {
    const fresh = randomUUID();
    const stored = await person();
    const counts = (tx: Parameters<Parameters<typeof prisma.$transaction>[0]>[0]) =>
      tx.$queryRaw<{ ins: number; upd: number }[]>`
        SELECT n_tup_ins::int AS ins, n_tup_upd::int AS upd FROM pg_stat_xact_user_tables WHERE relname = 'canonical_contacts'`;
    const updates = await prisma.$transaction(async (tx) => {
      const [before] = await counts(tx);
      await writeReconcileBatch(tx, {
        ...emptyReconcileWrite(),
        canonicals: [
          { id: fresh, data: { emails: [] }, contentHash: 'h1', deleted: false },
          { id: stored, data: { emails: [] }, contentHash: 'h2', deleted: false },
        ],
        recheck: [
          { canonicalId: fresh, value: true },
          { canonicalId: stored, value: true },
        ],
      });
      // What the batch's statements did (the view also holds counts not yet reported): one insert,
      // and one update of the stored row.
      const [after] = await counts(tx);
      return { ins: after!.ins - before!.ins, upd: after!.upd - before!.upd };
    });
    expect(updates).toEqual({ ins: 1, upd: 1 });
    const rows = await prisma.canonicalContact.findMany({ where: { id: { in: [fresh, stored] } } });
    expect(rows.map((r) => r.recheck)).toEqual([true, true]);
    expect(new Set((await recheckDue(prisma, 10)).ready.map((r) => r.canonicalId))).toEqual(new Set([fresh, stored]));
    // A flagged person stored again with the flag cleared ends unflagged (the upsert keeps the flag,
    // the flag's statement clears it).
    await prisma.$transaction((tx) =>
      writeReconcileBatch(tx, {
        ...emptyReconcileWrite(),
        canonicals: [{ id: stored, data: { emails: [] }, contentHash: 'h3', deleted: false }],
        recheck: [{ canonicalId: stored, value: false }],
      }),
    );
    expect((await prisma.canonicalContact.findUniqueOrThrow({ where: { id: stored } })).recheck).toBe(false);
  });

  it('reads the oldest markers first, up to the limit', async () => {
    const people = [await person(true), await person(true), await person(true)];
    for (const c of people) await afterOpEnded(prisma, { canonicalId: c, runId: null }, {});
    const due = await recheckDue(prisma, 2);
    expect(due.ready.map((r) => r.canonicalId)).toEqual(people.slice(0, 2));
    await clearRecheckDue(prisma, due.markerIds);
    expect((await recheckDue(prisma, 2)).ready.map((r) => r.canonicalId)).toEqual(people.slice(2));
  });
});

describe('analyzeSyncTables', () => {
  it('refreshes the planner statistics of the sync tables', async () => {
    for (let i = 0; i < 3; i++) await person();
    await analyzeSyncTables(prisma);
    const rows = await prisma.$queryRaw<{ relname: string; analyzed: boolean }[]>`
      SELECT relname, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
      WHERE relname IN ('canonical_contacts', 'canonical_keys', 'links', 'outbox_ops', 'snapshot_records', 'recheck_due')`;
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.analyzed)).toBe(true);
  });

  it('is needed only once a table grew since its statistics (syncTablesGrew)', async () => {
    await analyzeSyncTables(prisma);
    expect(await syncTablesGrew(prisma)).toBe(false);
    await prisma.$executeRaw`
      INSERT INTO canonical_contacts (id, data, "contentHash", "updatedAt")
      SELECT gen_random_uuid(), jsonb_build_object('givenName', repeat('x', 200)), 'h', now() FROM generate_series(1, 2000)`;
    expect(await syncTablesGrew(prisma)).toBe(true);
    await analyzeSyncTables(prisma);
    expect(await syncTablesGrew(prisma)).toBe(false);
  });
});

describe('writeReconcileBatch keys', () => {
  it("makes each owner's key set exactly the listed one, leaving unchanged keys in place", async () => {
    const a = await person();
    const b = await person();
    const write = (keys: { canonicalId: string; kind: 'email' | 'phone'; value: string }[], keyOwners: string[]) =>
      prisma.$transaction((tx) => writeReconcileBatch(tx, { ...emptyReconcileWrite(), keys, keyOwners }));
    const keysOf = async (id: string) =>
      (await prisma.canonicalKey.findMany({ where: { canonicalId: id }, orderBy: { value: 'asc' } })).map(
        (k) => `${k.kind}:${k.value}`,
      );
    await write(
      [
        { canonicalId: a, kind: 'email', value: 'a@x' },
        { canonicalId: a, kind: 'phone', value: '+1' },
        { canonicalId: b, kind: 'email', value: 'b@x' },
      ],
      [a, b],
    );
    const kept = await prisma.$queryRaw<{ ctid: string }[]>`
      SELECT ctid::text FROM canonical_keys WHERE value = 'a@x'`;
    await write(
      [
        { canonicalId: a, kind: 'email', value: 'a@x' },
        { canonicalId: a, kind: 'email', value: 'a2@x' },
        { canonicalId: a, kind: 'email', value: 'a2@x' },
      ],
      [a, b],
    );
    expect(await keysOf(a)).toEqual(['email:a2@x', 'email:a@x']);
    expect(await keysOf(b)).toEqual([]);
    const after = await prisma.$queryRaw<{ ctid: string }[]>`SELECT ctid::text FROM canonical_keys WHERE value = 'a@x'`;
    expect(after).toEqual(kept); // the unchanged key was not rewritten
  });
});

describe('candidatesByKeys', () => {
  it('finds the live people holding any of the keys, one row per (key, person)', async () => {
    const [a, b, gone, merged] = [await person(), await person(), await person(), await person()];
    await prisma.canonicalContact.update({ where: { id: gone }, data: { deletedAt: new Date() } });
    await prisma.canonicalContact.update({ where: { id: merged }, data: { mergedIntoId: a } });
    const keys = [a, b, gone, merged].map((canonicalId) => ({
      canonicalId,
      kind: 'email' as const,
      value: 'shared@x',
    }));
    keys.push({ canonicalId: b, kind: 'email', value: 'b-only@x' });
    await prisma.$transaction((tx) => writeReconcileBatch(tx, { ...emptyReconcileWrite(), keys, keyOwners: [] }));
    const hits = await candidatesByKeys(prisma, [
      { kind: 'email', value: 'shared@x' },
      { kind: 'email', value: 'b-only@x' },
      { kind: 'phone', value: 'shared@x' },
      { kind: 'email', value: 'nobody@x' },
    ]);
    const seen = hits.map((h) => `${h.value}:${h.canonicalId === a ? 'a' : h.canonicalId === b ? 'b' : '?'}`).sort();
    expect(seen).toEqual(['b-only@x:b', 'shared@x:a', 'shared@x:b']);
  });
});

describe('preferIndexScans', () => {
  it('lowers random_page_cost for the rest of the transaction only', async () => {
    const show = async (db: Pick<typeof prisma, '$queryRaw'>) =>
      (await db.$queryRaw<{ random_page_cost: string }[]>`SHOW random_page_cost`)[0]?.random_page_cost;
    const before = await show(prisma);
    const inside = await prisma.$transaction(async (tx) => {
      await preferIndexScans(tx);
      return show(tx);
    });
    expect(inside).toBe('1.1');
    expect(await show(prisma)).toBe(before);
    expect(before).not.toBe('1.1');
  });
});
