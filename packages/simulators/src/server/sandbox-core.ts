import type { SeedPerson } from '../seed/people.ts';
import { FaultInjector, resolveFaults } from '../shared/faults.ts';
import { deriveSeed } from '../shared/prng.ts';
import { RateLimiter, REALISTIC_RATE_LIMITS, RETRY_AFTER_ON_429 } from '../shared/rate-limit.ts';
import { RequestLog } from '../shared/request-log.ts';
import type {
  FaultConfig,
  ProviderEndpoint,
  ProviderKey,
  RateLimitConfig,
  RateLimitSpec,
  SandboxOptions,
} from '../types.ts';
import { PROVIDER_KEYS } from '../types.ts';
import type { ProviderRuntime } from './pipeline.ts';
import type { ProviderDefinition } from './provider.ts';
import type { Scenarios } from './scenarios.ts';

/**
 * What a sandbox enforces when its options do not say: the documented limits (scaled by
 * `timeScale`). A test that needs unlimited servers passes `limits: 'none'` and says why.
 */
const DEFAULT_LIMITS: 'realistic' | 'none' = 'realistic';

/** The sandbox without its HTTP listener: providers, fault injectors, limiters and the log. */
export class SandboxCore {
  readonly log = new RequestLog();
  readonly runtimes: Record<ProviderKey, ProviderRuntime>;
  readonly people: SeedPerson[];
  readonly scenarios: Scenarios;
  readonly timeScale: number;
  url = '';

  constructor(
    seed: number,
    people: SeedPerson[],
    defs: Record<ProviderKey, ProviderDefinition>,
    options: SandboxOptions,
    scenarios: Scenarios,
  ) {
    this.people = people;
    this.scenarios = scenarios;
    const rateHeaderFallback: RateLimitConfig = { max: 3600, windowMs: 3_600_000 };
    this.timeScale = options.timeScale ?? 1;
    const limits = options.limits ?? DEFAULT_LIMITS;
    const initial = (k: ProviderKey): RateLimitSpec | null =>
      options.rateLimit && k in options.rateLimit
        ? (options.rateLimit[k] ?? null)
        : limits === 'realistic'
          ? REALISTIC_RATE_LIMITS[k]
          : null;
    this.runtimes = Object.fromEntries(
      PROVIDER_KEYS.map((k) => [
        k,
        {
          def: defs[k],
          faults: new FaultInjector(deriveSeed(seed, `faults:${k}`)),
          limiter: new RateLimiter(initial(k), rateHeaderFallback, Date.now, {
            timeScale: this.timeScale,
            sendRetryAfter: RETRY_AFTER_ON_429[k],
          }),
        },
      ]),
    ) as Record<ProviderKey, ProviderRuntime>;
    this.applyInitialFaults(options.faults);
  }

  private applyInitialFaults(faults: SandboxOptions['faults']): void {
    if (faults === undefined) return;
    if (typeof faults === 'string') {
      this.setFaults(faults);
      return;
    }
    const keys = Object.keys(faults);
    if (keys.length > 0 && keys.every((k) => (PROVIDER_KEYS as readonly string[]).includes(k))) {
      for (const [k, f] of Object.entries(faults as Partial<Record<ProviderKey, FaultConfig | string>>)) {
        if (f !== undefined) this.setFaults(f, k as ProviderKey);
      }
      return;
    }
    this.setFaults(faults as FaultConfig);
  }

  setFaults(faults: FaultConfig | string, provider?: ProviderKey): void {
    const config = resolveFaults(faults);
    for (const k of provider ? [provider] : PROVIDER_KEYS) this.runtimes[k].faults.set(config);
  }

  setRateLimit(provider: ProviderKey, config: RateLimitSpec | null): void {
    this.runtimes[provider].limiter.set(config);
  }

  faultsByProvider(): Record<ProviderKey, FaultConfig> {
    return Object.fromEntries(PROVIDER_KEYS.map((k) => [k, this.runtimes[k].faults.config])) as Record<
      ProviderKey,
      FaultConfig
    >;
  }

  rateLimitsByProvider(): Record<ProviderKey, RateLimitSpec | null> {
    return Object.fromEntries(PROVIDER_KEYS.map((k) => [k, this.runtimes[k].limiter.config])) as Record<
      ProviderKey,
      RateLimitSpec | null
    >;
  }

  endpoint(k: ProviderKey): ProviderEndpoint {
    const def = this.runtimes[k].def;
    return { baseUrl: `${this.url}${def.prefix}`, credential: def.credential, options: def.options };
  }

  state(k: ProviderKey): unknown {
    return this.runtimes[k].def.snapshot();
  }
}
