import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLink,
  createPrisma,
  createRun,
  ingestPage,
  ingestUnchangedPage,
  markGone,
  type SnapshotInput,
  sqlDb,
  withSeqWrite,
} from './index.ts';

// A pulled page in one statement: what changed, the ids repeated in the run, the clock, and with
// it the runs' counters and the pull's checkpoint (~1 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

const rec = (id: string, hash: string): SnapshotInput => ({
  externalId: id,
  raw: { id },
  projection: { givenName: id },
  extras: {},
  contentHash: hash,
  remoteUpdatedAt: null,
});
const pull = () => createRun(prisma, { kind: 'pull', connectionId: 'churchpad', full: true });
const runOf = (id: string) => prisma.syncRun.findUniqueOrThrow({ where: { id } });

describe('ingestPage', () => {
  it('counts new, edited and returned records as changed, and saves counters and checkpoint with the page', async () => {
    const resync = await createRun(prisma, { kind: 'resync', connectionId: null, full: true });
    const first = await pull();
    const before = new Date(Date.now() - 60_000);
    const page = [rec('a', 'h1'), rec('b', 'h2'), rec('c', 'h3')];
    const one = await withSeqWrite(prisma, (tx) =>
      ingestPage(tx, 'churchpad', first.id, page, before, {
        runIds: [first.id, resync.id],
        checkpoint: { runId: first.id, cursor: 'next-1', total: 9, pages: 1, shifted: false },
      }),
    );
    expect(one.changed).toBe(3);
    expect(one.duplicates).toEqual([]);
    expect(one.at!.getTime()).toBeGreaterThan(before.getTime());
    const r1 = await runOf(first.id);
    expect([r1.pulled, r1.changed, r1.listCursor, r1.listTotal, r1.listPages]).toEqual([3, 3, 'next-1', 9, 1]);
    const p1 = await runOf(resync.id);
    expect([p1.pulled, p1.changed, p1.listCursor]).toEqual([3, 3, null]);

    // The same run lists "a" again: a repeat, not ingested twice, not counted as changed.
    const again = await withSeqWrite(prisma, (tx) =>
      ingestPage(tx, 'churchpad', first.id, [rec('a', 'h1')], before, { runIds: [first.id], checkpoint: null }),
    );
    expect(again).toMatchObject({ changed: 0, duplicates: ['a'] });

    // A new pull: "a" unchanged, "b" edited, "c" had been marked gone and is back.
    await withSeqWrite(prisma, (tx) => markGone(tx, 'churchpad', ['c']));
    const second = await pull();
    const two = await withSeqWrite(prisma, (tx) =>
      ingestPage(tx, 'churchpad', second.id, [rec('a', 'h1'), rec('b', 'h2-edited'), rec('c', 'h3')], before, {
        runIds: [second.id],
        checkpoint: null,
      }),
    );
    expect(two.changed).toBe(2);
    const r2 = await runOf(second.id);
    expect([r2.pulled, r2.changed, r2.listCursor]).toEqual([3, 2, null]);
  });

  it('marks an unchanged record seen in place: a HOT update, no index entry written', async () => {
    const page = Array.from({ length: 50 }, (_, i) => rec(`hot-${i}`, `h-${i}`));
    // Listed, then listed again: the pages' free space (fillfactor 75) holds only part of the new
    // versions the first time; the space the versions before them leave is reused from then on
    // (as far as pruning frees it).
    for (let i = 0; i < 2; i++) {
      const run = await pull();
      await withSeqWrite(prisma, (tx) =>
        ingestPage(tx, 'growcrm', run.id, page, new Date(), { runIds: [], checkpoint: null }),
      );
    }
    const second = await pull();
    // The backend's counters not yet flushed to the statistics (pg_stat_get_xact_*), read before and
    // after the page in one transaction: nothing is flushed in between.
    const counts = async (tx: Parameters<Parameters<typeof withSeqWrite>[1]>[0]) => {
      const [row] = await tx.$queryRaw<{ updated: bigint; hot: bigint }[]>`
        SELECT pg_stat_get_xact_tuples_updated('snapshot_records'::regclass) AS updated,
               pg_stat_get_xact_tuples_hot_updated('snapshot_records'::regclass) AS hot`;
      return { updated: Number(row!.updated), hot: Number(row!.hot) };
    };
    const { changed, updated, hot } = await withSeqWrite(prisma, async (tx) => {
      const before = await counts(tx);
      const out = await ingestPage(tx, 'growcrm', second.id, page, new Date(), { runIds: [], checkpoint: null });
      const after = await counts(tx);
      return { changed: out.changed, updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(changed).toBe(0);
    expect(updated).toBe(50);
    // Most in place (39 of 50 measured; an index on a seen column makes it none).
    expect(hot).toBeGreaterThanOrEqual(30);
  });

  it('gives no change number to a record first listed as its link’s base (what the engine wrote there)', async () => {
    const person = await prisma.canonicalContact.create({ data: { data: {}, contentHash: 'c' } });
    const other = await prisma.canonicalContact.create({ data: { data: {}, contentHash: 'c' } });
    const base = (hash: string) => ({ value: { givenName: hash }, hash });
    // "made": created by a push, listed for the first time as written. "edited": listed unlike its
    // base. "ours": its snapshot predates our update, now listed as we wrote it — a change all the
    // same (a held conflict may wait on a side going back to its base). "back": gone, and listed
    // again as its base.
    await createLink(prisma, {
      connectionId: 'nodeping',
      externalId: 'made',
      canonicalId: person.id,
      base: base('m1'),
      extras: {},
    });
    await createLink(prisma, {
      connectionId: 'nodeping',
      externalId: 'edited',
      canonicalId: other.id,
      base: base('e1'),
      extras: {},
    });
    const first = await pull();
    await withSeqWrite(prisma, (tx) =>
      ingestPage(tx, 'nodeping', first.id, [rec('ours', 'o1'), rec('back', 'b1')], new Date(), {
        runIds: [first.id],
        checkpoint: null,
      }),
    );
    const third = await prisma.canonicalContact.create({ data: { data: {}, contentHash: 'c' } });
    const fourth = await prisma.canonicalContact.create({ data: { data: {}, contentHash: 'c' } });
    await createLink(prisma, {
      connectionId: 'nodeping',
      externalId: 'ours',
      canonicalId: third.id,
      base: base('o2'),
      extras: {},
    });
    await createLink(prisma, {
      connectionId: 'nodeping',
      externalId: 'back',
      canonicalId: fourth.id,
      base: base('b1'),
      extras: {},
    });
    await withSeqWrite(prisma, (tx) => markGone(tx, 'nodeping', ['back']));
    const seqOf = async () =>
      Object.fromEntries(
        (await prisma.snapshotRecord.findMany({ where: { connectionId: 'nodeping' } })).map((r) => [
          r.externalId,
          r.changeSeq,
        ]),
      );
    const before = await seqOf();

    const second = await pull();
    const out = await withSeqWrite(prisma, (tx) =>
      ingestPage(
        tx,
        'nodeping',
        second.id,
        [rec('made', 'm1'), rec('edited', 'e2'), rec('ours', 'o2'), rec('back', 'b1')],
        new Date(),
        {
          runIds: [second.id],
          checkpoint: null,
        },
      ),
    );
    const after = await seqOf();
    expect(out.changed).toBe(3);
    expect((await runOf(second.id)).changed).toBe(3);
    expect(after.made).toBe(0n);
    expect(after.ours).toBeGreaterThan(before.ours!);
    expect(after.edited).toBeGreaterThan(0n);
    expect(after.back).toBeGreaterThan(before.back!);
  });

  it('marks a page listed exactly as stored seen in one statement, and writes nothing when one record differs', async () => {
    const page = [rec('p-a', 'pa'), rec('p-b', 'pb'), rec('p-c', 'pc')];
    const first = await pull();
    await withSeqWrite(prisma, (tx) =>
      ingestPage(tx, 'ilert', first.id, page, new Date(), { runIds: [first.id], checkpoint: null }),
    );
    const rowsOf = async () =>
      Object.fromEntries(
        (await prisma.snapshotRecord.findMany({ where: { connectionId: 'ilert' } })).map((r) => [r.externalId, r]),
      );
    const before = await rowsOf();
    const sql = sqlDb(prisma);
    const progress = (runId: string) => ({
      runIds: [runId],
      checkpoint: { runId, cursor: 'c-1', total: 3, pages: 1, shifted: false },
    });

    // One record's raw differs under the same projection: not this path, and nothing written.
    const second = await pull();
    const edited = [rec('p-a', 'pa'), { ...rec('p-b', 'pb'), raw: { id: 'p-b', note: 'new' } }, rec('p-c', 'pc')];
    expect(await ingestUnchangedPage(sql, 'ilert', second.id, edited, new Date(), progress(second.id))).toBeNull();
    expect((await rowsOf())['p-a']!.lastSeenRunId).toBe(first.id);
    const untouched = await runOf(second.id);
    expect([untouched.pulled, untouched.listCursor, untouched.listPages]).toEqual([0, null, 0]);

    // As stored (with a repeat of its own): every record seen, counted, the checkpoint saved, no
    // change number taken.
    const listed = [rec('p-a', 'pa'), rec('p-a', 'pa'), rec('p-b', 'pb'), rec('p-c', 'pc')];
    const out = await ingestUnchangedPage(sql, 'ilert', second.id, listed, new Date(), progress(second.id));
    expect(out).toMatchObject({ changed: 0, duplicates: ['p-a'] });
    expect(out!.at).not.toBeNull();
    const after = await rowsOf();
    for (const id of ['p-a', 'p-b', 'p-c']) {
      expect(after[id]!.lastSeenRunId).toBe(second.id);
      expect(after[id]!.changeSeq).toBe(before[id]!.changeSeq);
    }
    const counted = await runOf(second.id);
    expect([counted.pulled, counted.listCursor, counted.listPages]).toEqual([4, 'c-1', 1]);
    // Listed again by the same run (a repeat across pages), or with a record gone: not this path.
    expect(await ingestUnchangedPage(sql, 'ilert', second.id, page, new Date(), progress(second.id))).toBeNull();
    await withSeqWrite(prisma, (tx) => markGone(tx, 'ilert', ['p-c']));
    const third = await pull();
    expect(await ingestUnchangedPage(sql, 'ilert', third.id, page, new Date(), progress(third.id))).toBeNull();
    expect(await prisma.snapshotRecord.count({ where: { connectionId: 'ilert', lastSeenRunId: third.id } })).toBe(0);
  });
});
