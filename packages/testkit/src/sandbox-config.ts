import { capabilitiesFor, PROVIDER_KEYS, type ProviderKey } from '@contact-sync/connectors';
import { type Config, type ConfigInput, ProviderOptionsSchemas, parseConfig } from '@contact-sync/engine/config';

export interface Endpoint {
  baseUrl: string;
  credential: string;
  options: Record<string, unknown>;
}

/**
 * Tests and the demo run against the providers' documented limits with time scaled 60×: a
 * minute's window lasts a second (ilert 120 requests/s, R-Service 3,600/min and 20 per 33 ms).
 */
export const DEFAULT_TEST_TIME_SCALE = 60;

/** Env var that holds a provider's credential in sandbox configs. */
const credentialEnvOf = (provider: ProviderKey): string => `CS_${provider.toUpperCase().replace(/-/g, '_')}_CREDENTIAL`;

/**
 * A config with one connection per provider for a running sandbox (the demo, tests,
 * benchmarks), and the environment holding the credentials it names.
 */
export function sandboxConfig(
  endpoints: Record<ProviderKey, Endpoint>,
  overrides: Partial<Pick<ConfigInput, 'conflictPolicy' | 'push' | 'reconcile'>> & {
    connection?: Record<string, unknown>;
    /**
     * The sandbox's `timeScale`: each connection's budget is its provider's documented limits with
     * the windows shortened by it, so the engine paces itself against scaled servers as it would
     * against the real ones.
     */
    timeScale?: number;
    /** Only these providers' connections (default: all five). */
    providers?: readonly ProviderKey[];
  } = {},
): { config: Config; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const keys = overrides.providers ? PROVIDER_KEYS.filter((k) => overrides.providers!.includes(k)) : PROVIDER_KEYS;
  const connections = keys.map((provider) => {
    env[credentialEnvOf(provider)] = endpoints[provider].credential;
    return {
      id: provider,
      provider,
      baseUrl: endpoints[provider].baseUrl,
      credentialEnv: credentialEnvOf(provider),
      // The sandbox describes more than a connection takes (e.g. the list of clients); keep the known options.
      options: Object.fromEntries(
        Object.entries(endpoints[provider].options).filter(([key]) => key in ProviderOptionsSchemas[provider].shape),
      ),
      schedule: { every: '15m' },
      timeout: '5s',
      rateLimit: scaledBudget(provider, overrides.timeScale ?? 1),
      deletePolicy: 'propagate',
      ...overrides.connection,
    };
  });
  const config = parseConfig({
    connections,
    conflictPolicy: overrides.conflictPolicy ?? {
      kind: 'priority',
      order: (['churchpad', 'growcrm', 'nodeping', 'r-service', 'ilert'] as const).filter((k) => keys.includes(k)),
    },
    ...(overrides.push ? { push: overrides.push } : {}),
    ...(overrides.reconcile ? { reconcile: overrides.reconcile } : {}),
  });
  return { config, env };
}

/**
 * A provider's documented budget with its windows shortened by `timeScale`; where none is
 * documented, 500 requests a second (the simulators then enforce none either).
 */
function scaledBudget(provider: ProviderKey, timeScale: number): { max: number; duration: number }[] {
  const windows = capabilitiesFor(provider).requestBudget ?? [];
  if (windows.length === 0) return [{ max: 500, duration: 1000 }];
  return windows.map((w) => ({ max: w.max, duration: Math.max(1, Math.round(w.durationMs / timeScale)) }));
}
