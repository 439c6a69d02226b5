import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchPeople,
  createPrisma,
  readBatchPeople,
  readChangedSince,
  readChangesAfterCursor,
  readCursor,
  writeCursor,
} from './index.ts';

// The reconcile read path's one-statement JSON reads against the same data read row by row
// through the query builder (readBatchPeople) and the row reads they replace
// (readCursor + readChangedSince), on a real Postgres (~2 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

const ids = Array.from({ length: 5 }, () => randomUUID()).sort();
const [alice, bob, merged, gone, missing] = ids as [string, string, string, string, string];
let seq = 0n;

async function snapshot(
  connectionId: string,
  externalId: string,
  projection: unknown,
  contentHash: string,
  more: Record<string, unknown> = {},
) {
  seq += 10n;
  await prisma.snapshotRecord.create({
    data: {
      connectionId,
      externalId,
      raw: { raw: externalId },
      projection: projection as object,
      extras: { note: `extras of ${externalId}`, nested: { n: 1 } },
      contentHash,
      changeSeq: seq,
      ...more,
    },
  });
}

beforeAll(async () => {
  const data = (given: string) => ({
    givenName: given,
    familyName: 'Trần "Q" \\ ✓',
    emails: [{ value: `${given}@x.example` }],
  });
  await prisma.canonicalContact.create({ data: { id: alice, data: data('alice'), contentHash: 'ha' } });
  await prisma.canonicalContact.create({
    data: {
      id: bob,
      data: data('bob'),
      contentHash: 'hb',
      recheck: true,
      deletedAt: new Date('2026-03-04T05:06:07.089Z'),
    },
  });
  await prisma.canonicalContact.create({ data: { id: merged, data: {}, contentHash: 'hm', mergedIntoId: alice } });
  await prisma.canonicalContact.create({ data: { id: gone, data: data('gone'), contentHash: 'hg' } });
  const base = (n: string) => ({ givenName: n, phones: [{ value: '+15550100', label: null }] });
  // alice: a snapshot equal to its base, one that differs, a link without a base, a link without a snapshot.
  await prisma.link.create({
    data: {
      connectionId: 'growcrm',
      externalId: 'g1',
      canonicalId: alice,
      base: base('g1'),
      baseHash: 'bg1',
      extras: { a: 1 },
    },
  });
  await snapshot('growcrm', 'g1', base('g1'), 'bg1', { remoteUpdatedAt: new Date('2025-01-02T03:04:05.006Z') });
  await prisma.link.create({
    data: { connectionId: 'ilert', externalId: 'i1', canonicalId: alice, base: base('i1'), baseHash: 'bi1' },
  });
  await snapshot('ilert', 'i1', base('i1 changed'), 'other', { lastSeenRunId: randomUUID() });
  await prisma.link.create({ data: { connectionId: 'nodeping', externalId: 'n1', canonicalId: alice } });
  await snapshot('nodeping', 'n1', base('n1'), 'bn1', { quarantinedAt: new Date('2026-01-01T00:00:00.001Z') });
  await prisma.link.create({
    data: { connectionId: 'churchpad', externalId: 'c1', canonicalId: alice, base: base('c1') },
  });
  // bob: a record gone from its provider.
  await prisma.link.create({
    data: { connectionId: 'growcrm', externalId: 'g2', canonicalId: bob, base: base('g2'), baseHash: 'bg2' },
  });
  await snapshot('growcrm', 'g2', base('g2'), 'bg2', { goneAt: new Date('2026-02-03T04:05:06.007Z') });
  // An unlinked record.
  await snapshot('r-service', 'r1', base('r1'), 'br1');
  await prisma.detachment.create({ data: { canonicalId: alice, connectionId: 'r-service' } });
  await prisma.detachment.create({ data: { canonicalId: alice, connectionId: 'ilert' } });
  const op = (canonicalId: string, connectionId: string, status: string) =>
    prisma.outboxOp.create({
      data: { idempotencyKey: randomUUID(), connectionId, canonicalId, kind: 'update', changed: [], status },
    });
  await op(alice, 'growcrm', 'pending');
  await op(alice, 'ilert', 'in_flight');
  await op(alice, 'nodeping', 'done');
  await op(bob, 'growcrm', 'failed');
});

/** The same reads through the query builder, one table at a time. */
async function slowPeople(
  records: { connectionId: string; externalId: string }[],
  extra: string[],
): Promise<BatchPeople> {
  const linked = await prisma.link.findMany({ where: { OR: records.map((r) => ({ ...r })) } });
  const people = [...new Set([...linked.map((l) => l.canonicalId), ...extra])].sort();
  const canonicals = await prisma.canonicalContact.findMany({ where: { id: { in: people } }, orderBy: { id: 'asc' } });
  const links = await prisma.link.findMany({
    where: { canonicalId: { in: people } },
    orderBy: [{ canonicalId: 'asc' }, { connectionId: 'asc' }],
  });
  const out: BatchPeople = { canonicals: [], links: [], snapshots: [], detachments: [], unfinished: [] };
  for (const c of canonicals) {
    const { id, data, contentHash, mergedIntoId, recheck, deletedAt } = c;
    out.canonicals.push({ id, data, contentHash, mergedIntoId, recheck, deletedAt });
  }
  for (const l of links) {
    const { connectionId, externalId, canonicalId, base, updatedAt } = l;
    out.links.push({ connectionId, externalId, canonicalId, base, updatedAt });
    const s = await prisma.snapshotRecord.findUnique({
      where: { connectionId_externalId: { connectionId, externalId } },
    });
    if (!s) continue;
    out.snapshots.push({
      connectionId,
      externalId,
      projection: s.contentHash === l.baseHash ? l.base : s.projection,
      extras: s.extras,
      remoteUpdatedAt: s.remoteUpdatedAt,
      goneAt: s.goneAt,
      lastSeenAt: s.lastSeenAt,
      quarantinedAt: s.quarantinedAt,
      changeSeq: s.changeSeq,
    });
  }
  for (const d of await prisma.detachment.findMany({ where: { canonicalId: { in: people } } }))
    out.detachments.push({ canonicalId: d.canonicalId, connectionId: d.connectionId });
  for (const o of await prisma.outboxOp.findMany({
    where: { canonicalId: { in: people }, status: { in: ['pending', 'in_flight'] } },
  }))
    out.unfinished.push({ canonicalId: o.canonicalId, connectionId: o.connectionId });
  return out;
}

/** People come in id order, with their links; the order of one person's links and sets is not kept. */
const unordered = (p: BatchPeople) => {
  const by = (a: { canonicalId: string; connectionId: string }, b: typeof a) =>
    `${a.canonicalId}/${a.connectionId}` < `${b.canonicalId}/${b.connectionId}` ? -1 : 1;
  const snapBy = (a: { externalId: string; connectionId: string }, b: typeof a) =>
    `${a.connectionId}/${a.externalId}` < `${b.connectionId}/${b.externalId}` ? -1 : 1;
  return {
    ...p,
    links: [...p.links].sort(by),
    snapshots: [...p.snapshots].sort(snapBy),
    detachments: [...p.detachments].sort(by),
    unfinished: [...p.unfinished].sort(by),
  };
};

describe('readBatchPeople', () => {
  const cases: [string, { connectionId: string; externalId: string }[], string[]][] = [
    [
      'records',
      [
        { connectionId: 'ilert', externalId: 'i1' },
        { connectionId: 'growcrm', externalId: 'g2' },
      ],
      [],
    ],
    ['ids, one without a record', [], [merged, gone, missing, bob]],
    [
      'both, overlapping',
      [
        { connectionId: 'growcrm', externalId: 'g1' },
        { connectionId: 'r-service', externalId: 'r1' },
      ],
      [alice, gone],
    ],
    ['nothing found', [{ connectionId: 'r-service', externalId: 'r1' }], [missing]],
  ];
  it.each(cases)('reads what the query builder reads (%s)', async (_, records, extra) => {
    const fast = await readBatchPeople(prisma, records, extra);
    expect(unordered(fast)).toEqual(unordered(await slowPeople(records, extra)));
  });

  it("gives a snapshot equal to its link's base that base object itself", async () => {
    const read = await readBatchPeople(prisma, [{ connectionId: 'growcrm', externalId: 'g1' }], []);
    const link = read.links.find((l) => l.externalId === 'g1')!;
    const snap = read.snapshots.find((s) => s.externalId === 'g1')!;
    expect(snap.projection).toBe(link.base);
    expect(read.snapshots.find((s) => s.externalId === 'i1')!.projection).not.toBe(
      read.links.find((l) => l.externalId === 'i1')!.base,
    );
  });
});

describe('readChangesAfterCursor', () => {
  it('reads the cursor and the rows readCursor and readChangedSince read', async () => {
    for (const [cursor, upTo, limit] of [
      [0n, 1000n, 100],
      [0n, 1000n, 2],
      [10n, 40n, 100],
      [20n, 45n, 1],
      [60n, 1000n, 10],
    ] as const) {
      await writeCursor(prisma, cursor);
      const fast = await readChangesAfterCursor(prisma, upTo, limit);
      expect(fast.cursor).toBe(await readCursor(prisma));
      expect(fast.rows).toEqual(await readChangedSince(prisma, cursor, upTo, limit));
    }
  });

  it('starts from 0 without a cursor row, and reads nothing past the bound', async () => {
    await prisma.reconcileCursor.deleteMany({});
    const fast = await readChangesAfterCursor(prisma, 0n, 10);
    expect(fast).toEqual({ cursor: 0n, rows: [] });
    expect((await readChangesAfterCursor(prisma, 1000n, 100)).rows).toEqual(
      await readChangedSince(prisma, 0n, 1000n, 100),
    );
  });
});
