import { PROVIDER_KEYS, type ProviderKey } from '@contact-sync/core';
import { type Config, ProviderOptionsSchemas, parseConfig } from './config.ts';

export interface Endpoint {
  baseUrl: string;
  credential: string;
  options: Record<string, unknown>;
}

/** Env var that holds a provider's credential in sandbox configs. */
export const credentialEnvOf = (provider: ProviderKey): string =>
  `CS_${provider.toUpperCase().replace(/-/g, '_')}_CREDENTIAL`;

/**
 * A config with one connection per provider for a running sandbox (the demo, tests,
 * benchmarks), and the environment holding the credentials it names.
 */
export function sandboxConfig(
  endpoints: Record<ProviderKey, Endpoint>,
  overrides: Partial<Pick<Config, 'conflictPolicy' | 'push' | 'reconcile'>> & {
    connection?: Record<string, unknown>;
  } = {},
): { config: Config; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const connections = PROVIDER_KEYS.map((provider) => {
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
      // The simulators enforce no limit unless asked; the providers' real limits would only slow tests and the demo.
      rateLimit: { max: 500, duration: '1s' },
      deletePolicy: 'propagate',
      ...overrides.connection,
    };
  });
  const config = parseConfig({
    connections,
    conflictPolicy: overrides.conflictPolicy ?? {
      kind: 'priority',
      order: ['churchpad', 'growcrm', 'nodeping', 'r-service', 'ilert'],
    },
    ...(overrides.push ? { push: overrides.push } : {}),
    ...(overrides.reconcile ? { reconcile: overrides.reconcile } : {}),
  });
  return { config, env };
}
