import { describe, expect, inject, it } from 'vitest';
import { runTwoProvider } from '../../../bench/lib.ts';

// The bench's two-provider phase (bench/two-provider.ts) at a tiny size: ChurchPad seeded, NodePing
// empty, both ways. Each ChurchPad person becomes one NodePing contact (a provider's duplicate of a
// person is not a second person), ChurchPad receives nothing back, and the engine's traffic is counted.

describe('bench two-provider phase at 150 people', () => {
  it('creates each person once in NodePing, writes nothing to ChurchPad, and counts its traffic', async () => {
    const r = await runTwoProvider({
      people: 150,
      seed: 7,
      adminUrl: inject('adminDatabaseUrl'),
      redisUrl: inject('redisUrl'),
      timeoutMs: 60_000,
    });
    expect(r.churchpadRecords).toBeGreaterThanOrEqual(150);
    expect(r.initial.nodepingRecords).toBe(150);
    expect(r.initial.writeCalls).toBe(150);
    expect(r.httpCeiling.requests).toBe(r.initial.readCalls + r.initial.writeCalls);
    expect(r.httpCeiling.non2xx).toBe(0);
    expect(r.initial.engine.postgresStatements).toBeGreaterThan(0);
    // A push job carries a batch, not one op (issue 20): jobs are counted, at most 0.1 per write.
    expect(r.initial.engine.queueJobs).toBeGreaterThan(0);
    expect(r.initial.engine.queueJobs).toBeLessThanOrEqual(15);
    expect(r.initial.engine.queueJobsPerWrite).toBe(Math.round((r.initial.engine.queueJobs / 150) * 100) / 100);
  }, 120_000);
});
