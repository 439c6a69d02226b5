import { startResync } from '@contact-sync/engine/resync';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { startSandbox } from '@contact-sync/simulators';
import { sleep, waitComplete } from '@contact-sync/testkit/faults/support';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildWorker, spawnWorker } from './child-worker.ts';

/*
 * Issue 17, one hanging provider. r-service accepts connections and never answers (every
 * request held until the client gives up). Guards the pull deadline (`pullDeadline`, counted
 * across attempts on Postgres's clock: past it the pull gives up, incomplete, marks nothing
 * gone, and the resync reconciles what the healthy pulls brought) and the stop (an
 * AbortSignal through the connectors' HTTP client: in-flight requests end at once, an aborted
 * push's op goes back to pending and is pushed by the next worker).
 */
const HANG = { timeout: 1, timeoutHoldMs: 600_000 } as const;
const editDb = await createTestDatabase();
const stopDb = await createTestDatabase();
const stacks: Stack[] = [];
let child: ChildWorker | undefined;
afterAll(async () => {
  await child?.kill('SIGKILL');
  for (const s of stacks) await s.close().catch(() => {});
});

/** A person linked in ChurchPad, growcrm and `other`: their ChurchPad and growcrm ids. */
async function sharedPerson(stack: Stack, other: string) {
  const link = await stack.res.prisma.link.findFirstOrThrow({
    where: {
      connectionId: 'churchpad',
      canonical: {
        AND: [{ links: { some: { connectionId: 'growcrm' } } }, { links: { some: { connectionId: other } } }],
      },
    },
    orderBy: { externalId: 'asc' },
  });
  const grow = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
  });
  return { church: link.externalId, grow: Number(grow.externalId), canonicalId: link.canonicalId };
}

describe('a provider that accepts connections and never answers', () => {
  it('holds an edit between the healthy providers back by its pull deadline, not its retries', async () => {
    const sandbox = await startSandbox({ port: 0, seed: 61, contacts: 30 });
    const stack = await startStack({
      databaseUrl: editDb.databaseUrl,
      redisUrl: editDb.redisUrl,
      prefix: editDb.redisPrefix,
      sandbox,
      configOverrides: {
        connection: { timeout: '2s', pullDeadline: '6s' },
        push: { attempts: 3, backoff: 50, concurrency: 4 },
      },
    });
    stacks.push(stack);
    await stack.sync({ timeoutMs: 60_000 });
    const p = await sharedPerson(stack, 'r-service');
    const goneBefore = await stack.res.prisma.snapshotRecord.count({
      where: { connectionId: 'r-service', goneAt: { not: null } },
    });
    sandbox.setFaults(HANG, 'r-service');
    sandbox.sim.churchpad.update(p.church, { last_name: 'Hangfree' });
    const t0 = Date.now();
    const run = await startResync(stack.res, { full: true });
    while (sandbox.sim.growcrm.get(p.grow)?.last_name !== 'Hangfree' && Date.now() - t0 < 60_000) await sleep(100);
    const ms = Date.now() - t0;
    console.log(`edit ChurchPad → growcrm with r-service hanging: ${ms} ms`);
    expect(sandbox.sim.growcrm.get(p.grow)?.last_name).toBe('Hangfree');
    expect(ms).toBeLessThan(20_000);
    // r-service's pull gave up at its deadline, incomplete: nothing marked gone there.
    const pulls = await stack.res.prisma.syncRun.findMany({
      where: { parentRunId: run.id, connectionId: 'r-service' },
    });
    expect(pulls.map((r) => r.status)).toContain('gave_up');
    expect(pulls.find((r) => r.status === 'gave_up')?.error).toMatch(/deadline/);
    expect(
      await stack.res.prisma.snapshotRecord.count({ where: { connectionId: 'r-service', goneAt: { not: null } } }),
    ).toBe(goneBefore);
    const t1 = Date.now();
    await stack.close();
    stacks.pop();
    console.log(`stop with r-service requests hanging: ${Date.now() - t1} ms`);
    expect(Date.now() - t1).toBeLessThan(5_000);
    await sandbox.stop();
  }, 180_000);

  it('lets a worker stop at once, its in-flight push back to pending and pushed by the next worker', async () => {
    const sandbox = await startSandbox({ port: 0, seed: 62, contacts: 30 });
    const driver = await startStack({
      databaseUrl: stopDb.databaseUrl,
      redisUrl: stopDb.redisUrl,
      prefix: stopDb.redisPrefix,
      sandbox,
      startConsumers: false,
      configOverrides: { connection: { timeout: '3s', pullDeadline: '5s' } },
    });
    stacks.push(driver);
    const spawnOne = () =>
      spawnWorker({
        config: driver.config,
        env: driver.env,
        databaseUrl: stopDb.databaseUrl,
        redisUrl: stopDb.redisUrl,
        prefix: stopDb.redisPrefix,
        extraEnv: { CONTACT_SYNC_SHUTDOWN_MS: '10000' },
      });
    child = await spawnOne();
    await waitComplete(driver.res.prisma, (await startResync(driver.res, { full: true })).id, 60_000);
    // NodePing hangs this time: it holds the display name, so the edit is a push there.
    const p = await sharedPerson(driver, 'nodeping');
    sandbox.setFaults(HANG, 'nodeping');
    sandbox.sim.churchpad.update(p.church, { last_name: 'Stopped' });
    const run = await startResync(driver.res, { full: true });
    const where = { connectionId: 'nodeping', canonicalId: p.canonicalId, status: 'in_flight' };
    const deadline = Date.now() + 60_000;
    let op = await driver.res.prisma.outboxOp.findFirst({ where });
    while (!op && Date.now() < deadline) {
      await sleep(50);
      op = await driver.res.prisma.outboxOp.findFirst({ where });
    }
    expect(op, 'a NodePing push in flight').not.toBeNull();
    await sleep(300); // the request is out, waiting for an answer
    const t0 = Date.now();
    const exit = await child.kill('SIGTERM');
    const ms = Date.now() - t0;
    console.log(`graceful stop with a NodePing push hanging: ${ms} ms, exit ${exit.code}`);
    child = undefined;
    expect(exit.code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    const after = await driver.res.prisma.outboxOp.findUniqueOrThrow({ where: { id: op!.id } });
    expect(after.status).toBe('pending');
    // NodePing answers again: the next worker pushes it and the resync completes.
    sandbox.setFaults('none', 'nodeping');
    child = await spawnOne();
    await waitComplete(driver.res.prisma, run.id, 60_000);
    expect((await driver.res.prisma.outboxOp.findUniqueOrThrow({ where: { id: op!.id } })).status).toBe('done');
    await child.kill('SIGTERM');
    child = undefined;
    await sandbox.stop();
  }, 180_000);
});
