export type ProviderKey = 'ilert' | 'churchpad' | 'nodeping' | 'growcrm' | 'r-service';

export const PROVIDER_KEYS: readonly ProviderKey[] = ['ilert', 'churchpad', 'nodeping', 'growcrm', 'r-service'];

/** Shares are probabilities in [0, 1] applied per request; see shared/faults.ts. */
export interface FaultConfig {
  /** Added to every request before it is handled. */
  latencyMs?: number;
  /** Share of requests answered 500/503 without being handled. */
  error5xx?: number;
  /** Share of requests answered 429 with `Retry-After: retryAfterSec`. */
  rate429?: number;
  retryAfterSec?: number;
  /** Share of requests held for `timeoutHoldMs` (or until the client gives up), then answered 504. */
  timeout?: number;
  timeoutHoldMs?: number;
  /** Share of requests whose socket is destroyed without an answer. */
  reset?: number;
  /** Share of requests answered 200 with a truncated JSON or an HTML body. */
  malformed?: number;
  /** Share of write requests that are applied, after which the answer is lost (reset or 500). */
  ghostWrite?: number;
}

export interface RateLimitConfig {
  max: number;
  windowMs: number;
}

/** One window, or several that apply together (R-Service: per hour and per 2 s). */
export type RateLimitSpec = RateLimitConfig | RateLimitConfig[];

export interface SandboxOptions {
  port?: number;
  host?: string;
  seed?: number;
  contacts?: number;
  faults?: string | FaultConfig | Partial<Record<ProviderKey, FaultConfig | string>>;
  /**
   * `realistic` (the default): each provider enforces the limits its notes document
   * (`REALISTIC_RATE_LIMITS`); `none`: unlimited
   * servers, for a test that says it needs them. `rateLimit` overrides per provider either way.
   */
  limits?: 'realistic' | 'none';
  /**
   * Shortens every rate window and token lifetime by this factor (60: a minute's window lasts a
   * second); counts are not scaled. Default 1.
   */
  timeScale?: number;
  /** Lifetime of the sandbox's ChurchPad access token in unscaled ms (default: long-lived); `sim.churchpad.tokens.issue(ttl)` makes more. */
  tokenTtlMs?: number;
  rateLimit?: Partial<Record<ProviderKey, RateLimitSpec | null>>;
  /** Every seeded person is held by exactly these providers, the others start empty (default: overlapping draws). */
  seedProviders?: ProviderKey[];
}

export interface ProviderEndpoint {
  baseUrl: string;
  credential: string;
  /** Provider-specific connection settings, e.g. growcrm `{ clientId }`, r-service `{ account }`. */
  options: Record<string, unknown>;
}

export interface RequestLogEntry {
  seq: number;
  provider: ProviderKey;
  method: string;
  /** The effective method (nodeping's `?action=` override applied), upper case. */
  effectiveMethod: string;
  path: string;
  /** HTTP status sent, or 0 when the connection was reset / no answer was sent. */
  status: number;
  time: number;
  isWrite: boolean;
  /** Name of the injected fault, if any (`error5xx`, `rate429`, `rateLimited`, `timeout`, `reset`, `malformed`, `ghostWrite`). */
  fault?: string;
  /** The scenario that shaped this answer: `emptyList`, or `deleteAfterCreate` (the created record is gone). */
  scenario?: 'emptyList' | 'deleteAfterCreate' | 'shiftList';
}
