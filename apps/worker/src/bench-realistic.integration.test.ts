import { describe, expect, inject, it } from 'vitest';
import { floorMs, realisticTable, runRealistic } from '../../../bench/realistic.ts';

// The bench phase "realistic limits" (bench/realistic.ts) at a small size: simulators enforcing
// the documented limits (scaled), each provider's requests, 429s, pages read twice and the budget's floor.

describe('bench phase "realistic limits"', () => {
  it('the floor is the slowest window: requests ÷ max × window', () => {
    expect(floorMs(600, [{ max: 120, durationMs: 60_000 }])).toBe(300_000);
    // R-Service: 3,600 an hour (1 a second) and 20 per 2 s (10 a second): the hour is the slower.
    const rs = [
      { max: 3600, durationMs: 3_600_000 },
      { max: 20, durationMs: 2000 },
    ];
    expect(floorMs(100, rs)).toBe(100_000);
    expect(floorMs(100, [{ max: 20, durationMs: 2000 }])).toBe(10_000);
    expect(floorMs(10, [])).toBe(0);
  });

  it('one sync of 150 people: every provider read, few 429s, no page read twice, a floor where limits are documented', async () => {
    const r = await runRealistic({
      people: 150,
      seed: 9,
      adminUrl: inject('adminDatabaseUrl'),
      redisUrl: inject('redisUrl'),
      timeoutMs: 90_000,
    });
    expect(r.complete).toBe(true);
    expect(Object.keys(r.byProvider).sort()).toEqual(['churchpad', 'growcrm', 'ilert', 'nodeping', 'r-service']);
    for (const [provider, p] of Object.entries(r.byProvider)) {
      expect(p.requests, provider).toBeGreaterThan(0);
      expect(p.pullRequests, provider).toBeGreaterThan(0);
      expect(p.listPages, provider).toBeGreaterThan(0);
      expect(p.pagesReRead, provider).toBe(0);
      expect(p.refused429, provider).toBeLessThanOrEqual(5);
    }
    expect(r.byProvider.ilert!.documented).toBe(true);
    expect(r.byProvider['r-service']!.documented).toBe(true);
    expect(r.byProvider.nodeping!.documented).toBe(false);
    // A floor where a limit is documented (a pull this small fits in one window, so it may beat it).
    for (const provider of ['ilert', 'r-service']) {
      const p = r.byProvider[provider]!;
      expect(p.floorMs, provider).toBe(floorMs(p.requests, p.budget));
      expect(p.pullFloorMs, provider).toBeGreaterThan(0);
      expect(p.pullMs, provider).toBeGreaterThan(0);
    }
    const table = realisticTable(r);
    for (const provider of Object.keys(r.byProvider)) expect(table).toContain(`| ${provider} |`);
  }, 120_000);
});
