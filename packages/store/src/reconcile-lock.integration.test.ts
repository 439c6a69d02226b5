import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPrisma,
  emptyReconcileWrite,
  lockReconcileWrites,
  openReconcileBatch,
  withSqlTransaction,
  withTransaction,
  writeReconcileBatch,
} from './index.ts';

// The reconcile write number: what tells a batch read ahead of its turn that it is stale (~1 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 3 });
afterAll(() => prisma.$disconnect());

const opened = () => withSqlTransaction(prisma, (tx) => openReconcileBatch(tx));

describe('the reconcile write number', () => {
  it('is taken by every admin-style write under the lock, and read by a batch as it takes the lock', async () => {
    const first = await opened();
    expect(await opened()).toBe(first); // a batch that wrote nothing took none
    await withTransaction(prisma, (tx) => lockReconcileWrites(tx));
    const second = await opened();
    expect(second).toBeGreaterThan(first);
  });

  it('is taken by a batch that changes what batches read of people, not by one that only reports', async () => {
    const id = '7d444840-9dc0-11d1-b245-5ffdce74fad2';
    const before = await opened();
    const onlyReports = emptyReconcileWrite();
    onlyReports.conflicts.push({
      dedupeKey: 'k1',
      kind: 'field',
      canonicalId: null,
      connectionId: null,
      field: 'emails',
      base: null,
      sides: [],
      chosen: null,
      rule: 'test',
      status: 'open',
      runId: null,
    });
    const quiet = await withSqlTransaction(prisma, (tx) => writeReconcileBatch(tx, onlyReports));
    expect(quiet.counted).toBe(false);
    expect(await opened()).toBe(before);

    const person = emptyReconcileWrite();
    person.canonicals.push({ id, data: { name: 'Ada' }, contentHash: 'h1', deleted: false });
    const wrote = await withSqlTransaction(prisma, (tx) => writeReconcileBatch(tx, person));
    expect(wrote.counted).toBe(true);
    expect(await opened()).toBeGreaterThan(before);
  });

  it('is read after the lock is held: a batch waiting behind an admin decision sees its number', async () => {
    const before = await opened();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const admin = withTransaction(prisma, async (tx) => {
      await lockReconcileWrites(tx);
      await held;
    });
    await new Promise((r) => setTimeout(r, 100)); // the admin transaction holds the lock
    const batch = opened(); // waits for the lock
    await new Promise((r) => setTimeout(r, 100));
    release();
    await admin;
    expect(await batch).toBeGreaterThan(before);
  });
});
