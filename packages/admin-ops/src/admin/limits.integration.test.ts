import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, expect, it } from 'vitest';
import { resumeConnection } from './limits.ts';
import { connectionStatus } from './status.ts';

const db = await createTestDatabase();
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
});

it('status shows a paused credential and a waiting connection from the budget, and the last pull feasibility; resume lifts the pause', async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 5, contacts: 20 },
    configOverrides: { connection: { direction: 'pull' } },
  });
  await stack.sync({ timeoutMs: 60_000 });
  const byId = async () => new Map((await connectionStatus(stack!.res)).map((s) => [s.id, s]));
  const first = (await byId()).get('r-service')!;
  expect(first.limits.state).toBe('ok');
  expect(first.limits.feasibility?.lastPullRequests).toBeGreaterThan(0);
  expect(first.limits.feasibility?.feasible).toBe(true);

  // The provider rejects the credential: paused.
  await stack.res.budgets.get('churchpad')!.observe(401, new Headers());
  // The provider asks to wait two (scaled) minutes.
  await stack.res.budgets.get('r-service')!.observe(429, new Headers({ 'retry-after': '120' }));
  const now = await byId();
  expect(now.get('churchpad')!.limits.state).toBe('credential-rejected');
  expect(now.get('r-service')!.limits).toMatchObject({ state: 'waiting' });
  expect(now.get('r-service')!.limits.message).toMatch(
    /^waiting for its rate window until \d\d:\d\d, \d[\d,]* of [\d,]+ requests used$/,
  );

  const r = await resumeConnection(stack.res, 'churchpad');
  expect(r.connectionId).toBe('churchpad');
  expect(await stack.res.budgets.get('churchpad')!.paused()).toBeNull();
  expect((await byId()).get('churchpad')!.limits.state).toBe('ok');
}, 120_000);
