import { createTestDatabase } from '@contact-sync/services/test-db';
import type { ProviderKey } from '@contact-sync/simulators';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterEach, describe, expect, it } from 'vitest';

// Full syncs against simulators that enforce the providers' documented limits, scaled in time
// (see DEFAULT_TEST_TIME_SCALE): the engine's one budget per connection must keep the 429s to a
// handful. Every other connection only pulls, so the requests measured are those of the account
// under test, and its list is grown through the simulator's state API to the size in the issue.
const db = await createTestDatabase();
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const refused = (s: Stack, provider: ProviderKey) =>
  s.sandbox.requests(provider).filter((r) => r.status === 429).length;

describe('realistic limits, scaled', () => {
  it('ilert with 1,000 users completes a full sync with at most a handful of 429s', async () => {
    stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: `${db.redisPrefix}-ilert`,
      sandboxOptions: { seed: 19, contacts: 40, timeScale: 60 },
      configOverrides: { connection: { direction: 'pull' } },
    });
    const ilert = stack.sandbox.sim.ilert;
    for (let i = ilert.userCount(); i < 1000; i++) {
      const u = ilert.addUser({
        firstName: `Load${i}`,
        lastName: 'Tester',
        email: `load${i}@example.com`,
        timezone: 'Europe/Berlin',
        position: null,
        department: null,
        avatarUrl: null,
        role: 'USER',
      });
      ilert.addEmail(u.id, `load${i}@example.com`);
    }
    stack.sandbox.clearRequests();
    const started = Date.now();
    const p = await stack.sync({ timeoutMs: 150_000 });
    const requests = stack.sandbox.requestCount('ilert');
    const n429 = refused(stack, 'ilert');
    const snapshots = await stack.res.prisma.snapshotRecord.count({ where: { connectionId: 'ilert', goneAt: null } });
    // Numbers for the report.
    console.info(
      `[limits] ilert 1,000 users: ${requests} requests, ${n429} answered 429, ${Date.now() - started} ms ` +
        `(floor ${Math.round((requests / 120) * 1000)} ms at 120 per scaled minute)`,
    );
    expect(p.complete).toBe(true);
    expect(snapshots).toBe(1000);
    expect(n429).toBeLessThanOrEqual(5);
  }, 180_000);

  it('R-Service with 2,000 people completes a full sync with at most a handful of 429s', async () => {
    stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: `${db.redisPrefix}-rs`,
      sandboxOptions: { seed: 19, contacts: 40, timeScale: 60 },
      configOverrides: { connection: { direction: 'pull' } },
    });
    const rs = stack.sandbox.sim['r-service'];
    for (let i = rs.count(); i < 2000; i++) {
      const p = rs.addPerson({
        sourceID: null,
        name: `Load Tester ${i}`,
        primary_email: `rs-load${i}@example.com`,
        job_title: null,
        organization: null,
        site: null,
        manager: null,
        disabled: false,
      });
      rs.addContact(p.id, { label: 'work', email: `rs-load${i}@example.com` } as never);
    }
    stack.sandbox.clearRequests();
    const started = Date.now();
    const p = await stack.sync({ timeoutMs: 150_000 });
    const requests = stack.sandbox.requestCount('r-service');
    const n429 = refused(stack, 'r-service');
    const snapshots = await stack.res.prisma.snapshotRecord.count({
      where: { connectionId: 'r-service', goneAt: null },
    });
    console.info(
      `[limits] r-service 2,000 people: ${requests} requests, ${n429} answered 429, ${Date.now() - started} ms ` +
        `(floor ${Math.round(Math.max(requests / 3600, Math.ceil(requests / 20) / 30) * 1000)} ms at 3,600 a scaled hour and 20 per scaled 2 s)`,
    );
    expect(p.complete).toBe(true);
    expect(snapshots).toBe(2000);
    expect(n429).toBeLessThanOrEqual(5);
  }, 180_000);
});
