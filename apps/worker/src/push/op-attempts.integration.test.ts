import { Writable } from 'node:stream';
import { createLogger } from '@contact-sync/engine/logger';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterEach, expect, it } from 'vitest';

// One retry layer: whatever retries (the transport's read retries, a create's adoption loop, the
// queue's attempts), an op makes at most `push.maxHttpAttempts` failed HTTP requests in all. A
// provider answering 5xx to everything makes every request fail, so it is the op's request count.
const db = await createTestDatabase();
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

it('an op against a provider answering 5xx forever makes at most push.maxHttpAttempts requests, counted on the op', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  stack = await startStack({
    logger: createLogger({ level: 'info', destination }),
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 41, contacts: 10 },
    // More queue attempts than the bound, so the bound (not the queue) is what stops the op.
    configOverrides: { push: { attempts: 20, backoff: 20, concurrency: 4, maxHttpAttempts: 5 } },
  });
  await stack.sync({ timeoutMs: 60_000 });

  stack.sandbox.setFaults({ error5xx: 1 }, 'growcrm');
  stack.sandbox.clearRequests();
  stack.sandbox.sim.churchpad.insert({
    first_name: 'Bounded',
    last_name: 'Retries',
    phone: '+4930123456',
    email: 'bounded.retries@example.com',
  });
  const p = await stack.sync({ connectionId: 'churchpad', timeoutMs: 90_000 });
  expect(p.complete).toBe(true);

  const op = await stack.res.prisma.outboxOp.findFirstOrThrow({
    where: { connectionId: 'growcrm', kind: 'create', status: { not: 'superseded' } },
    orderBy: { createdAt: 'desc' },
  });
  const sent = stack.sandbox.requests('growcrm');
  console.info(`[op-attempts] growcrm create against 5xx: ${sent.length} requests, op ${JSON.stringify(op)}`);
  expect(sent.length).toBeGreaterThan(0);
  expect(sent.every((r) => r.status >= 500)).toBe(true);
  expect(sent.length).toBeLessThanOrEqual(5);
  expect(op.status).toBe('failed');
  expect(op.httpAttempts).toBe(sent.length);
  expect(op.httpFailures).toBe(sent.length);
  // Its lines name the op, its connection and its run.
  const failed = lines.find((l) => l.msg === 'op failed after its last attempt' && l.opId === op.id);
  expect(failed).toMatchObject({ connectionId: 'growcrm', kind: 'create', runId: op.runId, level: 50 });
}, 150_000);
