import { requestRecheck } from '@contact-sync/engine/resources';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, expect, it } from 'vitest';

// No double create when a create is needed again. A create that found the person's record
// already there ends `superseded` ("the next pull links it"), with no link. If the person is
// planned again before that pull (a revisit), the same create comes back under the same
// idempotency key, re-armed with its attempts at zero: where the provider has no search
// (ChurchPad streams its list), a first attempt does not look, so it would create the record a
// second time. A re-armed op has history (a later generation): it looks first.
const db = await createTestDatabase();
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
});

it('a create planned again after it was superseded looks first and writes no second record', async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 41, contacts: 10 },
  });
  await stack.sync({ timeoutMs: 60_000 });
  const email = 'planned.twice@example.com';
  stack.sandbox.sim.growcrm.insert({
    first_name: 'Planned',
    last_name: 'Twice',
    email,
    phone: '+4930555123',
    clientId: null,
  });
  await stack.sync({ connectionId: 'growcrm', timeoutMs: 60_000 });
  const inChurchpad = () => stack!.sandbox.sim.churchpad.all().filter((c) => c.email === email);
  expect(inChurchpad()).toHaveLength(1);

  // The create as if its attempt had found the record (superseded, no link) and the person is
  // revisited before a ChurchPad pull links it.
  const { prisma } = stack.res;
  const op = await prisma.outboxOp.findFirstOrThrow({
    where: { connectionId: 'churchpad', kind: 'create', status: 'done', lastError: null },
    orderBy: { createdAt: 'desc' },
  });
  expect(JSON.stringify(op.target)).toContain(email);
  await prisma.outboxOp.update({ where: { id: op.id }, data: { status: 'superseded' } });
  await prisma.link.deleteMany({ where: { connectionId: 'churchpad', canonicalId: op.canonicalId } });
  await prisma.canonicalContact.update({ where: { id: op.canonicalId }, data: { recheck: true } });
  await prisma.$executeRaw`INSERT INTO recheck_due ("canonicalId") VALUES (${op.canonicalId}::uuid)`;
  await requestRecheck(stack.res);

  // The same op comes back (same key) and ends again, without a second record.
  const deadline = Date.now() + 60_000;
  let again = op;
  while (Date.now() < deadline) {
    again = await prisma.outboxOp.findUniqueOrThrow({ where: { id: op.id } });
    if (again.generation > op.generation && ['done', 'superseded', 'failed'].includes(again.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(again.generation, 'the create was planned again under its key').toBeGreaterThan(op.generation);
  expect(again.status).toBe('superseded');
  expect(inChurchpad()).toHaveLength(1);
}, 120_000);
