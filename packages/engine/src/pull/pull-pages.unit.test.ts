import { describe, expect, it } from 'vitest';
import { probeSchedule } from './pull-pages.ts';

describe('probeSchedule', () => {
  it('tries every page while pages are unchanged, and backs off 1, 2, 4 … 64 pages while they are not', () => {
    const s = probeSchedule();
    const probedPages: number[] = [];
    for (let page = 0; page < 400; page++) {
      if (!s.probe()) continue;
      probedPages.push(page);
      // Pages 0–9 list records as stored; from page 10 on, new records.
      s.probed(page < 10);
    }
    expect(probedPages.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // After page 10 fails: waits of 1, 2, 4, 8, 16, 32, then 64 pages between probes.
    expect(probedPages.slice(10, 18)).toEqual([10, 12, 15, 20, 29, 46, 79, 144]);
    expect(probedPages.at(-1)! - probedPages.at(-2)!).toBe(65);
  });

  it('tries every page again once a page was unchanged', () => {
    const s = probeSchedule();
    expect(s.probe()).toBe(true);
    s.probed(false);
    expect(s.probe()).toBe(false);
    expect(s.probe()).toBe(true);
    s.probed(true);
    expect([s.probe(), s.probe()]).toEqual([true, true]);
  });
});
