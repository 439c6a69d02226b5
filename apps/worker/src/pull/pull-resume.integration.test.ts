import { createTestDatabase } from '@contact-sync/services/test-db';
import type { Sandbox } from '@contact-sync/simulators';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildWorker, sleep, spawnWorker, waitComplete } from '../faults/support.ts';
import { startResync } from '../resync.ts';
import { type Stack, startStack } from '../stack.ts';

// Paced, resumable pulls: a pull saves where its list read is (the page cursor) with each page it
// ingests, so a crash resumes there instead of at page 1; and a list that shifts under the read
// (an insert or delete between two pages of an offset-paged API) makes the pull incomplete.
const db = await createTestDatabase();
// The SIGKILL test's 1,000 ChurchPad records live in a database of their own.
const killDb = await createTestDatabase();
let stack: Stack | undefined;
let worker: ChildWorker | undefined;
afterEach(async () => {
  await worker?.kill('SIGKILL');
  worker = undefined;
  await stack?.close();
  stack = undefined;
});

const grow = (sandbox: Sandbox, to: number) => {
  const cp = sandbox.sim.churchpad;
  for (let i = cp.count(); i < to; i++)
    cp.insert({
      first_name: `Paged${i}`,
      last_name: 'Reader',
      phone: `+4930${7_000_000 + i}`,
      email: `paged${i}@example.org`,
    });
};
/** ChurchPad list pages answered, by offset. */
const pagesRead = (sandbox: Sandbox): Map<string, number> => {
  const out = new Map<string, number>();
  for (const r of sandbox.requests('churchpad')) {
    const m = /[?&]offset=(\d+)/.exec(r.path);
    if (r.method === 'GET' && r.status === 200 && m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  }
  return out;
};

describe('resumable pulls', () => {
  it('a pull SIGKILLed at mid-list resumes from its checkpoint: at most one page read twice', async () => {
    stack = await startStack({
      databaseUrl: killDb.databaseUrl,
      redisUrl: killDb.redisUrl,
      prefix: `${killDb.redisPrefix}-kill`,
      sandboxOptions: { seed: 7, contacts: 20 },
      configOverrides: { connection: { direction: 'pull' } },
      startConsumers: false,
    });
    const { sandbox } = stack;
    grow(sandbox, 1000);
    sandbox.setFaults({ latencyMs: 150 }, 'churchpad');
    sandbox.clearRequests();
    const spawnOne = () =>
      spawnWorker({
        config: stack!.config,
        env: stack!.env,
        databaseUrl: killDb.databaseUrl,
        redisUrl: killDb.redisUrl,
        prefix: `${killDb.redisPrefix}-kill`,
        lockMs: 1500,
      });
    worker = await spawnOne();
    const run = await startResync(stack.res, { full: true, connectionId: 'churchpad' });
    const deadline = Date.now() + 30_000;
    while (pagesRead(sandbox).size < 5 && Date.now() < deadline) await sleep(10);
    const before = pagesRead(sandbox).size;
    await worker.kill('SIGKILL');
    worker = await spawnOne();
    const p = await waitComplete(stack.res.prisma, run.id, 90_000);
    expect(p.complete).toBe(true);

    const reads = pagesRead(sandbox);
    const twice = [...reads.values()].filter((n) => n > 1).length;
    const pulls = await stack.res.prisma.syncRun.findMany({ where: { kind: 'pull', parentRunId: run.id } });
    console.info(
      `[pull-resume] killed after ${before} of 10 pages; pages read twice: ${twice}; pull runs: ${pulls.map((r) => `${r.status}/${r.listPages}`).join(', ')}`,
    );
    expect(before).toBeLessThan(10);
    expect(reads.size).toBe(10);
    expect(twice).toBeLessThanOrEqual(1);
    expect(pulls.filter((r) => r.status === 'completed')).toHaveLength(1);
    expect(await stack.res.prisma.snapshotRecord.count({ where: { connectionId: 'churchpad', goneAt: null } })).toBe(
      1000,
    );
  }, 150_000);

  for (const provider of ['churchpad', 'growcrm'] as const) {
    it(`${provider}: offsets shifted mid-pull (an insert, then a delete) never mark anything gone that exists`, async () => {
      stack = await startStack({
        databaseUrl: db.databaseUrl,
        redisUrl: db.redisUrl,
        prefix: `${db.redisPrefix}-${provider}`,
        sandboxOptions: { seed: 11, contacts: 260 },
        configOverrides: { connection: { direction: 'pull' } },
      });
      const { sandbox, res } = stack;
      await stack.sync({ connectionId: provider, timeoutMs: 60_000 });
      const live = () => res.prisma.snapshotRecord.count({ where: { connectionId: provider, goneAt: null } });
      const held = await live();
      expect(held).toBeGreaterThan(100); // two pages of 100 at least

      // An insert before page 2: page 1's last record comes again on page 2 (seen twice).
      sandbox.scenarios.shiftList(provider, 'insert');
      await stack.sync({ connectionId: provider, timeoutMs: 60_000 });
      expect(await res.prisma.snapshotRecord.count({ where: { connectionId: provider, goneAt: { not: null } } })).toBe(
        0,
      );
      expect(await res.prisma.quarantinedRecord.count({ where: { connectionId: provider } })).toBe(0);
      expect(await live()).toBe(held + 1);

      // A delete before page 2: the record that moved into page 1's range is skipped by that read.
      sandbox.scenarios.shiftList(provider, 'delete');
      await stack.sync({ connectionId: provider, timeoutMs: 60_000 });
      const gone = await res.prisma.snapshotRecord.findMany({
        where: { connectionId: provider, goneAt: { not: null } },
        select: { externalId: true },
      });
      // Only the record really deleted is gone (read again after the shifted read), none that exists.
      const exists = (id: string) =>
        provider === 'churchpad'
          ? sandbox.sim.churchpad.get(id) !== undefined
          : sandbox.sim.growcrm.get(Number(id)) !== undefined;
      const runs = await res.prisma.syncRun.findMany({
        where: { kind: 'pull', connectionId: provider },
        orderBy: { startedAt: 'asc' },
      });
      console.info(
        `[pull-resume] ${provider} runs: ${runs.map((r) => `${r.status}/${r.listPages}/${r.listTotal}/${r.listShifted}/${r.gone}`).join(', ')}`,
      );
      expect(gone.filter((g) => exists(g.externalId))).toEqual([]);
      expect(gone).toHaveLength(1);
      expect(await live()).toBe(held);
      const shifted = await res.prisma.syncRun.count({
        where: { kind: 'pull', connectionId: provider, listShifted: true, status: 'failed' },
      });
      expect(shifted).toBe(2);
    }, 150_000);
  }
});
