import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { waitForRun } from './run-wait.ts';

// Issue 17: `resync --wait` during a Postgres restart waits it out (the run completes in the
// worker meanwhile) instead of exiting with the driver's message. The restart is seen as its
// clients see one: every connection killed and new ones refused for 1.5 s, twice.
const db = await createTestDatabase();
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
});

describe('waiting for a resync while Postgres restarts', () => {
  it('retries on connection errors and reports the completed run', async () => {
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    const outage = async (ms: number) => {
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db.name]);
      await new Promise((r) => setTimeout(r, ms));
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    };
    try {
      stack = await startStack({
        databaseUrl: db.databaseUrl,
        redisUrl: db.redisUrl,
        prefix: db.redisPrefix,
        sandboxOptions: { seed: 81, contacts: 30, faults: { latencyMs: 15 } },
      });
      let polls = 0;
      const waiting = waitForRun(
        stack.res,
        { full: true },
        { timeoutMs: 90_000, intervalMs: 50, onProgress: () => void polls++ },
      );
      const outages = (async () => {
        while (polls < 3) await new Promise((r) => setTimeout(r, 20));
        await outage(1500);
        await new Promise((r) => setTimeout(r, 300));
        await outage(1500);
      })();
      const [outcome] = await Promise.all([waiting, outages]);
      expect(outcome.ok).toBe(true);
      expect(outcome.progress.complete).toBe(true);
      expect(outcome.progress.pendingOps).toBe(0);
    } finally {
      await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
    }
  }, 180_000);
});
