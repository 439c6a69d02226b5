import { createConnector } from '@contact-sync/connectors';
import { RequestBudget } from '@contact-sync/engine/budget';
import { countingOpRequests, opGate } from '@contact-sync/engine/push/op-requests';
import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type RequestLogEntry, type Sandbox, startSandbox } from '@contact-sync/simulators';
import { sleep } from '@contact-sync/testkit/faults/support';
import { startStack } from '@contact-sync/testkit/stack';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

describe('fair shares in the worker', () => {
  it('a long ChurchPad pull and a backlog of ChurchPad pushes both progress in the same windows of a tight budget', async () => {
    // Every connection at 20 requests a second; ChurchPad is the one measured. The update guard is
    // off: the backlog changes every record's family name, which it would hold for review.
    const stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: `${db.redisPrefix}-share-worker`,
      sandboxOptions: { seed: 37, contacts: 60 },
      configOverrides: {
        connection: { rateLimit: { max: 20, duration: '1s' }, updateGuard: { share: 1, minimum: 10_000 } },
      },
    });
    try {
      await stack.sync({ timeoutMs: 120_000 });
      const { sandbox } = stack;
      // The backlog: every Grow CRM contact gets a new family name, which ChurchPad must take.
      const grow = sandbox.sim.growcrm;
      for (const c of [...grow.view({} as never)]) grow.update(c.id, { last_name: `Shared${c.id}` });
      // The long pull: ChurchPad grown to 40 pages.
      const cp = sandbox.sim.churchpad;
      for (let i = cp.count(); i < 4000; i++)
        cp.insert({ first_name: `Long${i}`, last_name: 'Pull', phone: `+4930${9_000_000 + i}`, email: `l${i}@x.org` });
      sandbox.clearRequests();
      await startResync(stack.res, { full: true, connectionId: 'growcrm' });
      // The pull starts once the pushes are under way.
      const writes = () => sandbox.requests('churchpad').filter((r) => r.isWrite).length;
      const until = Date.now() + 60_000;
      while (writes() < 4 && Date.now() < until) await sleep(20);
      await startResync(stack.res, { full: true, connectionId: 'churchpad' });
      const pullDone = Date.now() + 90_000;
      const isPage = (r: RequestLogEntry) => r.method === 'GET' && /[?&]offset=/.test(r.path);
      while (sandbox.requests('churchpad').filter(isPage).length < 40 && Date.now() < pullDone) await sleep(50);

      // The windows where both wanted requests: from the pull's first page to the backlog's last write
      // or the pull's last page, whichever came first.
      const log = sandbox.requests('churchpad');
      const pages = log.filter(isPage);
      const writesLog = log.filter((r) => r.isWrite);
      const from = pages[0]!.time;
      const to = Math.min(pages.at(-1)!.time, writesLog.at(-1)!.time);
      const inBoth = log.filter((r) => r.time >= from && r.time <= to);
      const pulls = inBoth.filter(isPage).length;
      const pushes = inBoth.length - pulls;
      console.info(
        `[budget-share] worker: ${pulls} pull pages and ${pushes} push requests in the ${to - from} ms both were busy; ${writesLog.length} writes in all`,
      );
      expect(to - from).toBeGreaterThan(1000);
      expect(pulls).toBeGreaterThanOrEqual(inBoth.length * 0.3);
      expect(pushes).toBeGreaterThanOrEqual(inBoth.length * 0.3);
    } finally {
      await stack.close();
    }
  }, 240_000);
});
