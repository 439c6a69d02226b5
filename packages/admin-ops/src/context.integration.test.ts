import { createLogger, runProgress, startResync } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listConflicts } from './admin/conflicts-read.ts';
import { resumeConnection } from './admin/limits.ts';
import { listRuns } from './admin/runs.ts';
import { connectionStatus } from './admin/status.ts';
import { type OpenAdminContext, openAdminContext } from './context.ts';

// The CLI's admin commands run on an admin context it opens itself: no connector, no credential.
// It must see and drive the very deployment a worker runs (same database, queues, budgets).
const db = await createTestDatabase();
let stack: Stack;
let ctx: OpenAdminContext;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 9, contacts: 16 },
    configOverrides: { conflictPolicy: { kind: 'hold' } },
  });
  await stack.sync({ timeoutMs: 60_000 });
  ctx = openAdminContext({
    config: stack.config,
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    logger: createLogger({ level: 'silent', pretty: false }),
    budgets: true,
  });
});
afterAll(async () => {
  await ctx?.close();
  await stack?.close();
});

it('holds no connector: only each connection config', () => {
  expect([...ctx.connections.keys()].sort()).toEqual([...stack.res.connections.keys()].sort());
  for (const c of ctx.connections.values()) expect(Object.keys(c)).toEqual(['config']);
});

it('reads what the worker wrote: runs, conflicts and each connection status with its budget', async () => {
  expect(await listRuns(ctx)).toEqual(await listRuns(stack.res));
  expect(await listConflicts(ctx)).toEqual(await listConflicts(stack.res));
  const mine = await connectionStatus(ctx);
  const worker = await connectionStatus(stack.res);
  const shape = (list: typeof mine) =>
    list.map((s) => ({ id: s.id, counts: s.counts, lastPull: s.lastPull, state: s.limits.state }));
  expect(shape(mine)).toEqual(shape(worker));
  expect(mine.every((s) => s.limits.requests > 0)).toBe(true);
});

it('enqueues on the deployment queues: a resync it starts is run by the worker to the end', async () => {
  const run = await startResync(ctx, { full: true });
  // Well before the worker's minute sweep would find the run's pulls in Postgres by itself.
  await expect
    .poll(async () => (await runProgress(ctx.prisma, run.id))?.complete, { timeout: 20_000, interval: 200 })
    .toBe(true);
});

it('lifts a credential pause the worker sees', async () => {
  await stack.res.budgets.get('churchpad')!.observe(401, new Headers());
  expect((await connectionStatus(ctx)).find((s) => s.id === 'churchpad')!.limits.state).toBe('credential-rejected');
  await resumeConnection(ctx, 'churchpad');
  expect(await stack.res.budgets.get('churchpad')!.paused()).toBeNull();
});
