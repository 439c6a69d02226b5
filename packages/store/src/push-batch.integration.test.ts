import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  afterBatchEnded,
  claimBatch,
  createPrisma,
  createRun,
  endBatch,
  getRun,
  nextBackoffEnd,
  recheckDue,
  takeWorkerLease,
  unfinishedConnections,
} from './index.ts';

// The batch push path's statements on a real Postgres: claim, end, count (~3 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 4 });
const lease = await takeWorkerLease(db.databaseUrl);
const other = await takeWorkerLease(db.databaseUrl);
afterAll(async () => {
  await lease.close();
  await other.close();
  await prisma.$disconnect();
});

const CONN = 'growcrm';

async function person(recheck = false): Promise<string> {
  const id = randomUUID();
  await prisma.canonicalContact.create({ data: { id, data: {}, contentHash: id, recheck } });
  return id;
}

async function ops(n: number, data: { runId?: string; status?: string; claimedBy?: number } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await prisma.outboxOp.create({
      data: {
        idempotencyKey: randomUUID(),
        connectionId: CONN,
        canonicalId: await person(),
        kind: 'create',
        changed: [],
        ...data,
      },
    });
    ids.push(row.id);
  }
  return ids;
}

const claim = (workerId: number, limit: number, active: string[] = []) =>
  claimBatch(prisma, CONN, { workerId, limit, active });

beforeEach(async () => {
  await prisma.$executeRaw`DELETE FROM outbox_ops`;
  await prisma.$executeRaw`DELETE FROM links`;
});

describe('claimBatch', () => {
  it('claims up to the limit; two workers claiming at once get disjoint ops, every op once', async () => {
    const ids = await ops(30);
    const [a, b] = await Promise.all([claim(lease.id, 20), claim(other.id, 20)]);
    expect(a.length + b.length).toBe(30);
    expect(Math.max(a.length, b.length)).toBeLessThanOrEqual(20);
    expect(new Set([...a, ...b].map((o) => o.id))).toEqual(new Set(ids));
    expect(a.every((o) => o.status === 'in_flight' && o.attempts === 1 && o.claimedBy === lease.id)).toBe(true);
    expect(a.every((o) => o.linked === false && o.pulling === false)).toBe(true);
    // In flight with a live lease (and, for its own worker, held by a batch): nobody takes them.
    expect(
      await claim(
        other.id,
        50,
        b.map((o) => o.id),
      ),
    ).toEqual([]);
  });

  it('leaves ops in backoff, takes in-flight ops whose worker is gone, and its own ones no batch holds', async () => {
    const [waiting] = await ops(1);
    await prisma.outboxOp.update({ where: { id: waiting! }, data: { nextAttemptAt: new Date(Date.now() + 60_000) } });
    const [orphan] = await ops(1, { status: 'in_flight', claimedBy: 12345 });
    const [mineIdle, mineBusy] = await ops(2, { status: 'in_flight', claimedBy: lease.id });
    const claimed = await claim(lease.id, 10, [mineBusy!]);
    expect(claimed.map((o) => o.id).sort()).toEqual([orphan!, mineIdle!].sort());
    expect(await nextBackoffEnd(prisma, CONN)).not.toBeNull();
    expect(await unfinishedConnections(prisma)).toEqual([{ connectionId: CONN, delayMs: 0 }]);
  });

  it('leaves a pending op alone while its person has an op in flight on the connection', async () => {
    const [busy] = await ops(1, { status: 'in_flight', claimedBy: lease.id });
    const { canonicalId } = await prisma.outboxOp.findUniqueOrThrow({ where: { id: busy! } });
    const next = await prisma.outboxOp.create({
      data: { idempotencyKey: randomUUID(), connectionId: CONN, canonicalId, kind: 'update', changed: [] },
    });
    // The same person on another connection is not held back by it.
    const elsewhere = await prisma.outboxOp.create({
      data: { idempotencyKey: randomUUID(), connectionId: 'nodeping', canonicalId, kind: 'update', changed: [] },
    });
    const free = await ops(3);
    const claimed = await claim(lease.id, 10, [busy!]);
    expect(claimed.map((o) => o.id).sort()).toEqual([...free].sort());
    expect((await prisma.outboxOp.findUniqueOrThrow({ where: { id: next.id } })).status).toBe('pending');
    expect(
      (await claimBatch(prisma, 'nodeping', { workerId: lease.id, limit: 10, active: [] })).map((o) => o.id),
    ).toEqual([elsewhere.id]);
    // Once it ended, the person's next op is claimed.
    await prisma.outboxOp.update({ where: { id: busy! }, data: { status: 'done' } });
    expect((await claim(lease.id, 10, free)).map((o) => o.id)).toEqual([next.id]);
  });
});

describe('endBatch', () => {
  it('ends each op with its link change in one statement; a transient failure goes back with its own backoff', async () => {
    const run = await createRun(prisma, { kind: 'resync', full: true });
    const ids = await ops(4, { runId: run.id });
    const claimed = await claim(lease.id, 10);
    const byId = new Map(claimed.map((o) => [o.id, o]));
    const [created, retried, waited, failed] = ids.map((id) => byId.get(id)!);
    const link = {
      connectionId: CONN,
      externalId: 'g1',
      canonicalId: created!.canonicalId,
      base: { givenName: 'Ann' },
      baseHash: 'h1',
      extras: {},
    };
    const ended = await endBatch(prisma, [
      { id: created!.id, status: 'done', note: null, sent: 1, failed: 0, link: { upsert: link } },
      { id: retried!.id, status: 'pending', note: '503', delayMs: 60_000.5, sent: 2, failed: 2 },
      { id: waited!.id, status: 'pending', note: 'rate window', refund: true, sent: 0, failed: 0 },
      { id: failed!.id, status: 'failed', note: 'gave up', sent: 1, failed: 1 },
    ]);
    expect(ended.map((o) => [o.id, o.status]).sort()).toEqual(
      [
        [created!.id, 'done'],
        [retried!.id, 'pending'],
        [waited!.id, 'pending'],
        [failed!.id, 'failed'],
      ].sort(),
    );
    const rows = new Map((await prisma.outboxOp.findMany()).map((o) => [o.id, o]));
    expect(rows.get(created!.id)).toMatchObject({ status: 'done', httpAttempts: 1, claimedBy: null });
    expect(rows.get(created!.id)!.completedAt).not.toBeNull();
    expect(await prisma.link.findFirstOrThrow({ where: { externalId: 'g1' } })).toMatchObject({ baseHash: 'h1' });
    const back = rows.get(retried!.id)!;
    expect(back).toMatchObject({
      status: 'pending',
      attempts: 1,
      httpFailures: 2,
      lastError: '503',
      completedAt: null,
    });
    expect(back.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(rows.get(waited!.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(rows.get(failed!.id)).toMatchObject({ status: 'failed', lastError: 'gave up', httpFailures: 1 });
    // Only the ready one is claimed again; an ended op is not ended twice.
    expect((await claim(lease.id, 10)).map((o) => o.id)).toEqual([waited!.id]);
    expect(await endBatch(prisma, [{ id: created!.id, status: 'failed', note: 'x', sent: 0, failed: 0 }])).toEqual([]);

    expect(
      await afterBatchEnded(prisma, [{ runId: run.id, opsApplied: 1, opsFailed: 1 }], [created!.canonicalId]),
    ).toBe(false);
    const counted = (await getRun(prisma, run.id))!;
    expect({ applied: counted.opsApplied, failed: counted.opsFailed }).toEqual({ applied: 1, failed: 1 });
  });

  it('changes nothing when one link cannot be written: the batch stays in flight', async () => {
    const [a, b] = await ops(2);
    const claimed = await claim(lease.id, 10);
    const taken = await person();
    await prisma.link.create({
      data: { connectionId: CONN, externalId: 'mine', canonicalId: claimed[0]!.canonicalId },
    });
    await prisma.link.create({ data: { connectionId: CONN, externalId: 'taken', canonicalId: taken } });
    const upsert = (externalId: string, canonicalId: string) => ({
      upsert: { connectionId: CONN, externalId, canonicalId, base: {}, baseHash: 'h', extras: {} },
    });
    const first = claimed.find((o) => o.id === claimed[0]!.id)!;
    const second = claimed.find((o) => o.id !== first.id)!;
    await expect(
      endBatch(prisma, [
        { id: second.id, status: 'done', note: null, sent: 1, failed: 0, link: upsert('g9', second.canonicalId) },
        // (growcrm, first) is linked to "mine": linking "taken" to it breaks one-record-per-person.
        { id: first.id, status: 'done', note: null, sent: 1, failed: 0, link: upsert('taken', first.canonicalId) },
      ]),
    ).rejects.toThrow();
    const rows = await prisma.outboxOp.findMany({ where: { id: { in: [a!, b!] } } });
    expect(rows.every((o) => o.status === 'in_flight')).toBe(true);
    expect(await prisma.link.count({ where: { externalId: 'g9' } })).toBe(0);
  });

  it('marks the people of ended ops due when they wait for a revisit', async () => {
    const flagged = await person(true);
    const calm = await person(false);
    expect(await afterBatchEnded(prisma, [], [calm])).toBe(false);
    expect(await afterBatchEnded(prisma, [], [calm, flagged, flagged])).toBe(true);
    expect((await recheckDue(prisma, 10)).ready).toEqual([{ canonicalId: flagged, runId: null }]);
  });
});
