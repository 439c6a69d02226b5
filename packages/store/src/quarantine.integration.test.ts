import { createTestDatabase } from '@contact-sync/services/test-db';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrisma, createRun, quarantine } from './index.ts';

// The quarantine keeps one row per record while it stays invalid in the same way (~1 s).
const db = await createTestDatabase();
const prisma = createPrisma(db.databaseUrl, { poolSize: 2 });
afterAll(() => prisma.$disconnect());

const pull = () => createRun(prisma, { kind: 'pull', connectionId: 'growcrm', full: true });

describe('quarantine', () => {
  it('keeps one row for a record that stays invalid, and a new row when its payload or error changes', async () => {
    const bad = { id: 'g-1', email: 12, name: { first: 'Ada', last: 'L' } };
    const first = await pull();
    await quarantine(prisma, 'growcrm', first.id, [
      { externalId: 'g-1', raw: bad, error: 'email: expected string' },
      { externalId: null, raw: { oops: true }, error: 'id: missing' },
    ]);
    const second = await pull();
    // Same payload with its keys in another order, same error: the same entry, now of the second pull.
    await quarantine(prisma, 'growcrm', second.id, [
      {
        externalId: 'g-1',
        raw: { name: { last: 'L', first: 'Ada' }, email: 12, id: 'g-1' },
        error: 'email: expected string',
      },
      { externalId: null, raw: { oops: true }, error: 'id: missing' },
    ]);
    const rows = await prisma.quarantinedRecord.findMany({ where: { externalId: 'g-1' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.runId).toBe(second.id);
    // Without an id nothing says two payloads are one record: each pull's stays.
    expect(await prisma.quarantinedRecord.count({ where: { externalId: null } })).toBe(2);

    const third = await pull();
    await quarantine(prisma, 'growcrm', third.id, [
      { externalId: 'g-1', raw: { ...bad, email: 13 }, error: 'email: expected string' },
    ]);
    const fourth = await pull();
    await quarantine(prisma, 'growcrm', fourth.id, [
      { externalId: 'g-1', raw: { ...bad, email: 13 }, error: 'email: too odd' },
    ]);
    expect(await prisma.quarantinedRecord.count({ where: { externalId: 'g-1' } })).toBe(3);
    // Another connection's record of the same id is its own entry.
    await quarantine(prisma, 'churchpad', fourth.id, [
      { externalId: 'g-1', raw: bad, error: 'email: expected string' },
    ]);
    expect(await prisma.quarantinedRecord.count({ where: { connectionId: 'churchpad' } })).toBe(1);
  });
});
