import type { FaultConfig } from '../types.ts';
import { Rng } from './prng.ts';

export type FaultKind = 'error5xx' | 'rate429' | 'timeout' | 'reset' | 'malformed' | 'ghostWrite';

export const DEFAULT_RETRY_AFTER_SEC = 1;
export const DEFAULT_TIMEOUT_HOLD_MS = 30_000;

export const FAULT_PROFILES: Record<string, FaultConfig> = {
  none: {},
  flaky: {
    error5xx: 0.1,
    rate429: 0.05,
    retryAfterSec: 1,
    timeout: 0.02,
    timeoutHoldMs: 30_000,
    reset: 0.02,
    ghostWrite: 0.02,
  },
  slow: { latencyMs: 250 },
  /** Everything at once, at low rates: for soak tests. */
  chaos: {
    latencyMs: 20,
    error5xx: 0.05,
    rate429: 0.03,
    retryAfterSec: 1,
    timeout: 0.01,
    timeoutHoldMs: 10_000,
    reset: 0.02,
    malformed: 0.02,
    ghostWrite: 0.03,
  },
};

export function resolveFaults(faults: FaultConfig | string): FaultConfig {
  if (typeof faults !== 'string') return { ...faults };
  const profile = FAULT_PROFILES[faults];
  if (!profile) throw new Error(`unknown fault profile "${faults}" (known: ${Object.keys(FAULT_PROFILES).join(', ')})`);
  return { ...profile };
}

/**
 * Decides, per request, which fault (if any) to inject. One draw per request over the
 * cumulative shares keeps each fault at its configured rate and deterministic for a seed.
 */
export class FaultInjector {
  config: FaultConfig = {};
  private rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  set(config: FaultConfig | string): void {
    this.config = resolveFaults(config);
  }

  decide(isWrite: boolean): FaultKind | null {
    const c = this.config;
    const order: [FaultKind, number | undefined][] = [
      ['error5xx', c.error5xx],
      ['rate429', c.rate429],
      ['timeout', c.timeout],
      ['reset', c.reset],
      ['malformed', c.malformed],
      ['ghostWrite', c.ghostWrite],
    ];
    if (order.every(([, share]) => !share)) return null;
    const r = this.rng.next();
    let acc = 0;
    for (const [kind, share] of order) {
      if (!share) continue;
      acc += share;
      if (r < acc) return kind === 'ghostWrite' && !isWrite ? null : kind;
    }
    return null;
  }

  /** A second draw for choosing between variants of a fault (e.g. 500 vs 503). */
  coin(): boolean {
    return this.rng.next() < 0.5;
  }
}
