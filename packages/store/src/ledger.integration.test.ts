import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cellsChangedAfter,
  createPrisma,
  emptyReconcileWrite,
  ledgerOf,
  pruneLedger,
  type ReconcileWrite,
  writeReconcileBatch,
} from './index.ts';

// The ledger rows of a reconcile batch, on a real Postgres.
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

const batch = (canonicalId: string, over: Partial<ReconcileWrite> = {}): ReconcileWrite => ({
  ...emptyReconcileWrite(),
  canonicals: [{ id: canonicalId, data: { familyName: 'Lee' }, contentHash: randomUUID(), deleted: false }],
  ledger: [
    {
      canonicalId,
      field: 'familyName',
      key: null,
      old: null,
      new: 'Lee',
      cause: { kind: 'provider', connectionId: 'growcrm', externalId: '1' },
      runId: null,
    },
    {
      canonicalId,
      field: 'emails',
      key: 'a@b.io',
      old: null,
      new: { value: 'a@b.io', label: null },
      cause: { kind: 'provider', connectionId: 'growcrm', externalId: '1' },
      runId: null,
    },
  ],
  ...over,
});

describe('the ledger in the reconcile write', () => {
  it('commits with the canonical change, and goes when the transaction rolls back', async () => {
    const c = randomUUID();
    await prisma.$transaction((tx) => writeReconcileBatch(tx, batch(c)));
    const rows = await ledgerOf(prisma, c);
    expect(rows.map((r) => [r.field, r.key, r.new, r.causeKind])).toEqual([
      ['emails', 'a@b.io', { value: 'a@b.io', label: null }, 'provider'],
      ['familyName', null, 'Lee', 'provider'],
    ]);
    const d = randomUUID();
    await expect(
      prisma.$transaction(async (tx) => {
        await writeReconcileBatch(tx, batch(d));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await ledgerOf(prisma, d)).toEqual([]);
    expect(await prisma.canonicalContact.findUnique({ where: { id: d } })).toBeNull();
  });

  it('stores each entry’s values as given, each in its own row: absent ones as NULL, awkward text made storable', async () => {
    const c = randomUUID();
    const cause = { kind: 'provider', connectionId: 'growcrm', externalId: '"7"\\' } as const;
    const entries: ReconcileWrite['ledger'] = [
      { canonicalId: c, field: 'givenName', key: null, old: 'Ann "the" \\ Lee', new: null, cause, runId: null },
      { canonicalId: c, field: 'title', key: null, old: null, new: 'nul\u0000 and \ud800 lone', cause, runId: null },
      {
        canonicalId: c,
        field: 'phones',
        key: '+4930',
        old: { value: '+4930', label: 'work' },
        new: { value: '+4930', label: null },
        cause: { kind: 'admin', by: 'ana', action: 'resolve' },
        runId: null,
      },
    ];
    await prisma.$transaction((tx) => writeReconcileBatch(tx, batch(c, { ledger: entries })));
    const rows = (await ledgerOf(prisma, c)).reverse();
    const [nulls] = await prisma.$queryRaw<{ old: number; new: number }[]>`
      SELECT count(*) FILTER (WHERE old IS NULL)::int AS old, count(*) FILTER (WHERE new IS NULL)::int AS new
      FROM ledger_entries WHERE "canonicalId" = ${c}::uuid`;
    expect(nulls).toEqual({ old: 1, new: 1 });
    expect(rows.map((r) => [r.field, r.key, r.old, r.new, r.causeKind, r.cause])).toEqual([
      ['givenName', null, 'Ann "the" \\ Lee', null, 'provider', cause],
      ['title', null, null, 'nul\ufffd and \ufffd lone', 'provider', cause],
      [
        'phones',
        '+4930',
        { value: '+4930', label: 'work' },
        { value: '+4930', label: null },
        'admin',
        { kind: 'admin', by: 'ana', action: 'resolve' },
      ],
    ]);
  });

  it('finds cells changed after a row, other runs only; prunes by age', async () => {
    const c = randomUUID();
    const run = randomUUID();
    await prisma.$transaction((tx) =>
      writeReconcileBatch(tx, batch(c, { ledger: batch(c).ledger.map((l) => ({ ...l, runId: run })) })),
    );
    const [first] = await prisma.ledgerEntry.findMany({ where: { canonicalId: c }, orderBy: { id: 'asc' }, take: 1 });
    expect(await cellsChangedAfter(prisma, [c], first!.id - 1n, run)).toEqual([]);
    await prisma.$transaction((tx) => writeReconcileBatch(tx, batch(c, { ledger: batch(c).ledger.slice(0, 1) })));
    expect(await cellsChangedAfter(prisma, [c], first!.id - 1n, run)).toEqual([
      { canonicalId: c, field: 'familyName', key: null },
    ]);
    expect(await pruneLedger(prisma, new Date(Date.now() - 86_400_000))).toBe(0);
    expect(await pruneLedger(prisma, new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(5);
  });
});

describe('regression: an op re-armed for the same target', () => {
  it('takes the fields this write changes, not those of the first time it was written', async () => {
    // Seen in undo: a provider's record went back to a target it had held before; the re-armed op
    // kept its old `changed` (phones), so the push sent phones and left the display name wrong.
    const c = randomUUID();
    const op = {
      idempotencyKey: randomUUID(),
      connectionId: 'nodeping',
      canonicalId: c,
      kind: 'update' as const,
      externalId: 'n1',
      target: { displayName: 'Ann Lee' },
      baseAfter: { displayName: 'Ann Lee' },
      changed: ['phones'],
      runId: null,
    };
    await prisma.$transaction((tx) => writeReconcileBatch(tx, { ...emptyReconcileWrite(), ops: [op] }));
    await prisma.outboxOp.update({ where: { idempotencyKey: op.idempotencyKey }, data: { status: 'done' } });
    await prisma.$transaction((tx) =>
      writeReconcileBatch(tx, { ...emptyReconcileWrite(), ops: [{ ...op, changed: ['displayName'] }] }),
    );
    const row = await prisma.outboxOp.findUniqueOrThrow({ where: { idempotencyKey: op.idempotencyKey } });
    expect(row).toMatchObject({ status: 'pending', generation: 1, changed: ['displayName'] });
  });
});
