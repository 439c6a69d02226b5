import { type Sandbox, startSandbox } from '@contact-sync/simulators';
import type { ProviderKey } from '../registry.ts';
import { createConnector } from '../registry.ts';
import type { Connector, ConnectorConfig } from '../types.ts';

export interface Simulated {
  connector: Connector;
  sandbox: Sandbox;
  /** A second connector on the same simulator with other transport settings. */
  connect(overrides: Partial<ConnectorConfig>): Connector;
}

/** A sandbox of all five simulators and the connector of `provider` pointed at it (tests only). */
export const startSimulated = async (
  provider: ProviderKey,
  opts: { contacts: number; seed?: number },
): Promise<Simulated> => {
  // A connector alone has no request budget (the worker gives it one): unlimited servers.
  const sandbox = await startSandbox({ port: 0, limits: 'none', seed: opts.seed ?? 11, contacts: opts.contacts });
  const ep = sandbox.providers[provider];
  const connect = (overrides: Partial<ConnectorConfig>) =>
    createConnector(provider, {
      baseUrl: ep.baseUrl,
      credential: ep.credential,
      options: ep.options,
      retries: 8,
      minBackoffMs: 20,
      timeoutMs: 5_000,
      ...overrides,
    });
  return { connector: connect({}), sandbox, connect };
};
