import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import type { Sandbox } from '@contact-sync/simulators';
import { sleep, waitComplete } from '@contact-sync/testkit/faults/support';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from '../faults/child-worker.ts';

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

type Paged = 'churchpad' | 'ilert' | 'r-service';
/** Grows a provider's list through the simulator's state API to `to` records. */
const grow = (sandbox: Sandbox, provider: Paged, to: number) => {
  if (provider === 'churchpad') {
    const cp = sandbox.sim.churchpad;
    for (let i = cp.count(); i < to; i++)
      cp.insert({
        first_name: `Paged${i}`,
        last_name: 'Reader',
        phone: `+4930${7_000_000 + i}`,
        email: `paged${i}@example.org`,
      });
  } else if (provider === 'ilert') {
    const ilert = sandbox.sim.ilert;
    for (let i = ilert.userCount(); i < to; i++) {
      const u = ilert.addUser({
        firstName: `Paged${i}`,
        lastName: 'Reader',
        email: `paged${i}@example.org`,
        timezone: 'Europe/Berlin',
        position: null,
        department: null,
        avatarUrl: null,
        role: 'USER',
      });
      ilert.addEmail(u.id, `paged${i}@example.org`);
    }
  } else {
    const rs = sandbox.sim['r-service'];
    for (let i = rs.count(); i < to; i++) {
      const p = rs.addPerson({
        sourceID: null,
        name: `Paged Reader ${i}`,
        primary_email: `paged${i}@example.org`,
        job_title: null,
        organization: null,
        site: null,
        manager: null,
        disabled: false,
      });
      rs.addContact(p.id, { label: 'work', email: `paged${i}@example.org` } as never);
    }
  }
};
/** A list request's page key: ChurchPad's offset, ilert's start-index, R-Service's page number. */
const pageKey: Record<Paged, (path: string) => string | null> = {
  churchpad: (path) => /[?&]offset=(\d+)/.exec(path)?.[1] ?? null,
  ilert: (path) => (/\/users\?/.test(path) ? (/[?&]start-index=(\d+)/.exec(path)?.[1] ?? '0') : null),
  'r-service': (path) => (/\/people\?/.test(path) ? (/[?&]page=(\d+)/.exec(path)?.[1] ?? '1') : null),
};
/** List pages answered, by page key. */
const pagesRead = (sandbox: Sandbox, provider: Paged): Map<string, number> => {
  const out = new Map<string, number>();
  for (const r of sandbox.requests(provider)) {
    const key = r.method === 'GET' && r.status === 200 ? pageKey[provider](r.path) : null;
    if (key !== null) out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
};

describe('resumable pulls', () => {
  // size → pages: ChurchPad 1,000 in 10 offset pages (slowed to 150 ms a request); ilert 550 users in
  // 6 start-index pages (each page's users' contact methods read with it, 2 requests a user);
  // R-Service 600 people in 6 Link-header pages (each person's contacts read with it).
  const cases = [
    { provider: 'churchpad', size: 1000, pages: 10, latencyMs: 150 },
    { provider: 'ilert', size: 550, pages: 6, latencyMs: 0 },
    { provider: 'r-service', size: 600, pages: 6, latencyMs: 0 },
  ] as const;
  for (const { provider, size, pages, latencyMs } of cases) {
    it(`${provider}: a pull SIGKILLed at mid-list resumes from its checkpoint: at most one page read twice`, async () => {
      const prefix = `${killDb.redisPrefix}-kill-${provider}`;
      stack = await startStack({
        databaseUrl: killDb.databaseUrl,
        redisUrl: killDb.redisUrl,
        prefix,
        sandboxOptions: { seed: 7, contacts: 20 },
        configOverrides: { connection: { direction: 'pull' } },
        startConsumers: false,
      });
      const { sandbox } = stack;
      grow(sandbox, provider, size);
      if (latencyMs > 0) sandbox.setFaults({ latencyMs }, provider);
      sandbox.clearRequests();
      const spawnOne = () =>
        spawnWorker({
          config: stack!.config,
          env: stack!.env,
          databaseUrl: killDb.databaseUrl,
          redisUrl: killDb.redisUrl,
          prefix,
          lockMs: 1500,
        });
      worker = await spawnOne();
      const run = await startResync(stack.res, { full: true, connectionId: provider });
      const deadline = Date.now() + 60_000;
      const half = Math.ceil(pages / 2);
      while (pagesRead(sandbox, provider).size < half && Date.now() < deadline) await sleep(10);
      const before = pagesRead(sandbox, provider).size;
      await worker.kill('SIGKILL');
      worker = await spawnOne();
      const p = await waitComplete(stack.res.prisma, run.id, 120_000);
      expect(p.complete).toBe(true);

      const reads = pagesRead(sandbox, provider);
      const twice = [...reads.values()].filter((n) => n > 1).length;
      const pulls = await stack.res.prisma.syncRun.findMany({ where: { kind: 'pull', parentRunId: run.id } });
      console.info(
        `[pull-resume] ${provider}: killed after ${before} of ${pages} pages; pages read twice: ${twice}; pull runs: ${pulls.map((r) => `${r.status}/${r.listPages}`).join(', ')}`,
      );
      expect(before).toBeLessThan(pages);
      expect(reads.size).toBe(pages);
      expect(twice).toBeLessThanOrEqual(1);
      expect(pulls.filter((r) => r.status === 'completed')).toHaveLength(1);
      expect(await stack.res.prisma.snapshotRecord.count({ where: { connectionId: provider, goneAt: null } })).toBe(
        size,
      );
    }, 200_000);
  }

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
