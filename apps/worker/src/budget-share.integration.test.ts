import { createConnector } from '@contact-sync/connectors';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Sandbox, startSandbox } from '@contact-sync/simulators';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestBudget } from './budget.ts';
import { countingOpRequests, opGate } from './op-requests.ts';

// Fair shares of one connection's budget: with a tight budget (20 requests a second), a pull and
// a backlog of pushes that both keep asking each get a share of the same windows, whichever side
// asks more often. Real Redis (the budget's script), real HTTP to the ChurchPad simulator; the
// requests are counted from the simulator's request log: list pages are the pull's, reads of
// one contact the pushes'.
const db = await createTestDatabase();
let sandbox: Sandbox;
let redis: Redis;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 31, contacts: 20 });
  const cp = sandbox.sim.churchpad;
  for (let i = cp.count(); i < 2000; i++)
    cp.insert({ first_name: `Share${i}`, last_name: 'Reader', phone: `+4930${8_000_000 + i}`, email: `s${i}@x.org` });
  redis = new Redis(db.redisUrl);
});
afterAll(async () => {
  redis.disconnect();
  await sandbox.stop();
});

const WINDOW = { max: 20, durationMs: 1000 };
const RUN_MS = 3000;

/** Runs `pullers` list reads and `pushers` op loops on one budget for RUN_MS; requests per kind from the log. */
async function contend(pullers: number, pushers: number, name: string, share?: number) {
  const budget = new RequestBudget({
    redis,
    prefix: `${db.redisPrefix}-share-${name}`,
    connectionId: 'churchpad',
    provider: 'churchpad',
    windows: [WINDOW],
    ...(share !== undefined ? { share } : {}),
  });
  const connector = createConnector('churchpad', {
    baseUrl: sandbox.providers.churchpad.baseUrl,
    credential: sandbox.providers.churchpad.credential,
    gate: opGate(budget),
    minBackoffMs: 1,
  });
  const ids = sandbox.sim.churchpad
    .all()
    .slice(0, 50)
    .map((c) => String(c.id));
  sandbox.clearRequests();
  const end = Date.now() + RUN_MS;
  const pull = async () => {
    while (Date.now() < end) for await (const _ of connector.listFrom!(null)) if (Date.now() >= end) break;
  };
  const push = async (n: number) => {
    for (let i = 0; Date.now() < end; i++) {
      const ctx = { opId: `op-${n}-${i}`, max: 8, failedBefore: 0, sent: 0, failed: 0 };
      await countingOpRequests(ctx, () => connector.get(ids[(n * 7 + i) % ids.length]!));
    }
  };
  await Promise.all([...Array.from({ length: pullers }, pull), ...Array.from({ length: pushers }, (_, n) => push(n))]);
  const log = sandbox.requests('churchpad').filter((r) => r.method === 'GET' && r.status === 200);
  const pulls = log.filter((r) => /[?&]offset=/.test(r.path)).length;
  const pushes = log.length - pulls;
  return { pulls, pushes, total: log.length };
}

describe('fair shares of a connection budget between pulls and pushes', () => {
  it('a backlog of 8 pushers does not starve one pull, and the pull still leaves the pushes their share', async () => {
    const r = await contend(1, 8, 'pushes');
    console.info(`[budget-share] 1 pull vs 8 pushers: ${r.pulls} pull requests, ${r.pushes} push requests`);
    // Both inside the budget (3 windows of 20, and a little for the window in progress) ...
    expect(r.total).toBeLessThanOrEqual(4 * WINDOW.max);
    // ... and each side has at least about a third of it, not the 1 in 9 it would win by asking.
    expect(r.pulls).toBeGreaterThanOrEqual(r.total * 0.35);
    expect(r.pushes).toBeGreaterThanOrEqual(r.total * 0.35);
  }, 30_000);

  it('eight list reads at once (as ilert reads eight users at once) do not starve one pusher', async () => {
    const r = await contend(8, 1, 'pulls');
    console.info(`[budget-share] 8 pulls vs 1 pusher: ${r.pulls} pull requests, ${r.pushes} push requests`);
    expect(r.total).toBeLessThanOrEqual(4 * WINDOW.max);
    expect(r.pushes).toBeGreaterThanOrEqual(r.total * 0.35);
    expect(r.pulls).toBeGreaterThanOrEqual(r.total * 0.35);
  }, 30_000);
});
