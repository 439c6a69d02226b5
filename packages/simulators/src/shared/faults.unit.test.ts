import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../sandbox.ts';
import { call, testSandbox } from '../test-support.ts';
import type { FaultConfig } from '../types.ts';
import { FaultInjector } from './faults.ts';

let sb: Sandbox;
beforeAll(async () => {
  sb = await testSandbox({ contacts: 100 });
});
afterAll(() => sb.stop());

const PATH = '/api/unified-communications/contacts';

type Outcome = 'ok' | 'status5xx' | 'status429' | 'status504' | 'reset' | 'malformed';

async function attempt(): Promise<Outcome> {
  try {
    const res = await call(sb, 'churchpad', `${PATH}?limit=1`);
    if (res.status >= 500 && res.status !== 504) return 'status5xx';
    if (res.status === 504) return 'status504';
    if (res.status === 429) {
      expect(res.headers.get('retry-after')).toBe('2');
      return 'status429';
    }
    return typeof res.body === 'object' ? 'ok' : 'malformed';
  } catch {
    return 'reset';
  }
}

async function rates(config: FaultConfig, n: number): Promise<Record<Outcome, number>> {
  sb.setFaults(config, 'churchpad');
  const counts: Record<Outcome, number> = { ok: 0, status5xx: 0, status429: 0, status504: 0, reset: 0, malformed: 0 };
  for (let i = 0; i < n; i++) counts[await attempt()]++;
  sb.setFaults('none');
  return counts;
}

describe('fault injection over HTTP', () => {
  it('injects each fault at its configured share (±5 points over 400 requests)', async () => {
    const n = 400;
    const c = await rates(
      { error5xx: 0.2, rate429: 0.1, retryAfterSec: 2, reset: 0.1, malformed: 0.1, timeout: 0.1, timeoutHoldMs: 5 },
      n,
    );
    expect(Math.abs(c.status5xx / n - 0.2)).toBeLessThan(0.05);
    expect(Math.abs(c.status429 / n - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(c.reset / n - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(c.malformed / n - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(c.status504 / n - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(c.ok / n - 0.4)).toBeLessThan(0.07);
  });

  it('holds a timed-out request until the client gives up', async () => {
    sb.setFaults({ timeout: 1, timeoutHoldMs: 60_000 }, 'churchpad');
    try {
      const started = fetch(`${sb.providers.churchpad.baseUrl}${PATH}`, {
        headers: { authorization: `Bearer ${sb.providers.churchpad.credential}` },
        signal: AbortSignal.timeout(100),
      });
      await expect(started).rejects.toThrow();
    } finally {
      sb.setFaults('none');
    }
  });

  it('ghost writes apply the write while the client sees a failure', async () => {
    const before = sb.sim.churchpad.count();
    sb.setFaults({ ghostWrite: 1 }, 'churchpad');
    const failures: string[] = [];
    for (let i = 0; i < 10; i++) {
      const email = `ghost${i}@example.com`;
      try {
        const res = await call(sb, 'churchpad', PATH, {
          method: 'POST',
          body: { first_name: 'Ghost', last_name: String(i), phone: '555-0100', email },
        });
        failures.push(res.status >= 500 ? 'status' : `unexpected ${res.status}`);
      } catch {
        failures.push('reset');
      }
    }
    sb.setFaults('none');
    expect(failures.every((f) => f === 'status' || f === 'reset')).toBe(true);
    expect(new Set(failures).size).toBe(2); // both variants happen
    expect(sb.sim.churchpad.count()).toBe(before + 10);
    expect(sb.sim.churchpad.all().filter((c) => c.first_name === 'Ghost')).toHaveLength(10);
    // reads are never ghosted
    sb.setFaults({ ghostWrite: 1 }, 'churchpad');
    expect((await call(sb, 'churchpad', `${PATH}?limit=1`)).status).toBe(200);
    sb.setFaults('none');
  });

  it("answers injected 5xx with the provider's error body and logs the fault", async () => {
    sb.clearRequests();
    sb.setFaults({ error5xx: 1 }, 'growcrm');
    const res = await call(sb, 'growcrm', '/contacts');
    sb.setFaults('none');
    expect([500, 503]).toContain(res.status);
    expect(res.body).toEqual({ message: 'Injected server error' });
    expect(sb.requests('growcrm')).toMatchObject([{ fault: 'error5xx', status: res.status }]);
    // other providers stay healthy
    expect((await call(sb, 'ilert', '/users?max-results=1')).status).toBe(200);
  });
});

describe('FaultInjector', () => {
  it('is deterministic for a seed', () => {
    const draw = (seed: number) => {
      const f = new FaultInjector(seed);
      f.set('flaky');
      return Array.from({ length: 200 }, () => f.decide(true));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('never ghosts a read', () => {
    const f = new FaultInjector(3);
    f.set({ ghostWrite: 1 });
    expect(Array.from({ length: 50 }, () => f.decide(false)).every((d) => d === null)).toBe(true);
    expect(f.decide(true)).toBe('ghostWrite');
  });
});
