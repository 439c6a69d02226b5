import { describe, expect, it } from 'vitest';
import { feasibility, limitsOf, pullFloorMs } from './limits.ts';

const rs = [
  { max: 3600, durationMs: 3_600_000 },
  { max: 20, durationMs: 2000 },
];

describe('schedule feasibility', () => {
  it('a full pull takes requests ÷ allowed rate, the slowest window', () => {
    expect(pullFloorMs(2020, rs)).toBe(2_020_000); // the hour decides: 2,020 of its 3,600
    expect(pullFloorMs(100, [{ max: 20, durationMs: 2000 }])).toBe(10_000);
    expect(pullFloorMs(2011, [{ max: 120, durationMs: 60_000 }])).toBe(1_005_500);
  });

  it('warns when a full pull cannot finish within the schedule interval', () => {
    const ok = feasibility(800, rs, 15 * 60_000)!;
    expect(ok.feasible).toBe(true);
    expect(ok.warning).toBeNull();
    // R-Service above ~900 people: a 15-minute schedule spends the whole budget on reads.
    const late = feasibility(2020, rs, 15 * 60_000)!;
    expect(late.feasible).toBe(false);
    expect(late.fullPullSeconds).toBe(2020);
    expect(late.warning).toMatch(/2020 s at its budget, longer than its schedule of 900 s/);
    expect(feasibility(null, rs, 60_000)).toBeNull();
    expect(feasibility(10, rs, null)!.feasible).toBeNull();
  });
});

describe('budget state in words', () => {
  const at = new Date(2026, 11, 16, 14, 2).getTime();
  it('waiting for its rate window until HH:MM, N of M used', () => {
    const s = {
      windows: [
        { ...rs[0]!, used: 1830 },
        { ...rs[1]!, used: 3 },
      ],
      blockedUntil: at,
      requests: 0,
      refused429: 0,
    };
    expect(limitsOf(s, null, at - 60_000)).toMatchObject({
      state: 'waiting',
      message: 'waiting for its rate window until 14:02, 1,830 of 3,600 requests used',
    });
  });
  it('a spent window waits too; a paused credential says so; otherwise ok', () => {
    const spent = {
      windows: [{ max: 20, durationMs: 2000, used: 20 }],
      blockedUntil: null,
      requests: 0,
      refused429: 0,
    };
    expect(limitsOf(spent, null, at).state).toBe('waiting');
    expect(limitsOf(spent, '401', at)).toMatchObject({ state: 'credential-rejected' });
    const idle = { windows: [{ max: 20, durationMs: 2000, used: 1 }], blockedUntil: null, requests: 0, refused429: 0 };
    expect(limitsOf(idle, null, at)).toMatchObject({ state: 'ok', message: '1 of 20 requests used' });
  });
});
