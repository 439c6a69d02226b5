import { createTestDatabase } from '@contact-sync/services/test-db';
import { type FaultConfig, startSandbox } from '@contact-sync/simulators';
import { divergences } from '@contact-sync/testkit/convergence';
import {
  diffExplained,
  duplicates,
  expectOpsAccounted,
  faultCounts,
  providerStates,
  type ReferenceRun,
  referenceRun,
} from '@contact-sync/testkit/faults/support';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Issue 10: every provider fault at once — 10% 5xx, 5% 429 with Retry-After, 2% timeouts,
 * 2% connection resets, 2% ghost writes — must end in the state of a fault-free run of the
 * same seed, with no duplicate. Guards the transport's retry/Retry-After handling, the
 * "unknown outcome" rule (a POST that may have landed is not blindly repeated; the create
 * looks the record up first), op retries with backoff, and incomplete pulls marking nothing
 * gone. Remove any of them and records go missing (a 5xx page treated as the end of the
 * list), get deleted (a partial pull marking the rest gone) or get created twice.
 */
const SEED = 31;
const CONTACTS = 50;
const ALL_FAULTS: FaultConfig = {
  error5xx: 0.1,
  rate429: 0.05,
  retryAfterSec: 1,
  timeout: 0.02,
  timeoutHoldMs: 3_000,
  reset: 0.02,
  ghostWrite: 0.02,
};
// Requests held by a timeout fault are given up after 1 s (the fault holds them for 3 s).
const configOverrides = { connection: { timeout: '1s' } };

const refDb = await createTestDatabase();
const db = await createTestDatabase();
let reference: ReferenceRun;
let stack: Stack | undefined;

beforeAll(async () => {
  reference = await referenceRun({
    databaseUrl: refDb.databaseUrl,
    redisUrl: refDb.redisUrl,
    prefix: refDb.redisPrefix,
    sandboxOptions: { seed: SEED, contacts: CONTACTS },
    configOverrides,
  });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

describe('provider faults, all at once', () => {
  it('end in the same state as a fault-free run, with no duplicate', async () => {
    const sandbox = await startSandbox({
      timeScale: DEFAULT_TEST_TIME_SCALE,
      port: 0,
      seed: SEED,
      contacts: CONTACTS,
      faults: ALL_FAULTS,
    });
    stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandbox,
      configOverrides,
    });
    await stack.sync({ timeoutMs: 200_000 });
    // A second full sync under the same faults settles anything the first left for later.
    await stack.sync({ timeoutMs: 200_000 });

    const injected = faultCounts(sandbox);
    for (const kind of ['error5xx', 'rate429', 'timeout', 'reset', 'ghostWrite'])
      expect(injected[kind] ?? 0, `${kind} faults were injected`).toBeGreaterThan(0);
    const actual = providerStates(sandbox);
    expect(duplicates(reference.states, actual)).toEqual([]);
    expect(await diffExplained(stack.res.prisma, reference.states, actual)).toEqual([]);
    await expectOpsAccounted(stack.res.prisma);
    expect(await divergences(stack.res)).toEqual([]);
    await stack.close();
    stack = undefined;
    await sandbox.stop();
  }, 400_000);
});
