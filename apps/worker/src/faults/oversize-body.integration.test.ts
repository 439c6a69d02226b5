import { createConnector } from '@contact-sync/connectors';
import { BodyTooLargeError } from '@contact-sync/connectors/shared/http';
import { runPull } from '@contact-sync/engine/pull/pull';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Issue 17, unbounded response bodies: 50 MB went through the transport whole. With a body
 * cap (`options.maxBodyBytes`), a provider answering more than the cap fails the pull as
 * incomplete, with an error naming the cap — for a paged list (ChurchPad) and for NodePing's
 * list, which is streamed and capped by the entry (a cap of 100 bytes is below one contact) — and
 * marks nothing gone.
 */
const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 17, contacts: 30 },
  });
  await stack.sync({ timeoutMs: 120_000 });
});
afterAll(async () => {
  await stack?.close();
});

/** The connection's connector rebuilt with a tiny body cap (as `options.maxBodyBytes` in the config would). */
function capped(id: 'churchpad' | 'nodeping', maxBodyBytes: number) {
  const entry = stack.res.connections.get(id)!;
  const original = entry.connector;
  entry.connector = createConnector(entry.config.provider, {
    baseUrl: entry.config.baseUrl,
    credential: stack.env[entry.config.credentialEnv]!,
    retries: 1,
    minBackoffMs: 1,
    options: { ...entry.config.options, maxBodyBytes },
  });
  return () => {
    entry.connector = original;
  };
}

describe('a provider answering more than the body cap', () => {
  it.each(['churchpad', 'nodeping'] as const)(
    '%s: the full pull fails naming the cap, nothing is marked gone',
    async (id) => {
      const live = () => stack.res.prisma.snapshotRecord.count({ where: { connectionId: id, goneAt: null } });
      const before = await live();
      expect(before).toBeGreaterThan(0);
      const restore = capped(id, 100);
      try {
        const err = await runPull(stack.res, { connectionId: id, full: true }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BodyTooLargeError);
        const run = await stack.res.prisma.syncRun.findFirstOrThrow({
          where: { kind: 'pull', connectionId: id },
          orderBy: { startedAt: 'desc' },
        });
        expect(run.status).toBe('failed');
        expect(run.error).toContain('exceeds the body size cap of 100 bytes (options.maxBodyBytes)');
        expect(await live()).toBe(before);
      } finally {
        restore();
      }
      // With the default cap it pulls again (and sees the people the sync created there).
      await runPull(stack.res, { connectionId: id, full: true });
      expect(await live()).toBeGreaterThanOrEqual(before);
    },
  );
});
