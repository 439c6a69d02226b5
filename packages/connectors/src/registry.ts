import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { churchpadProvider } from './churchpad/provider.ts';
import { growcrmProvider } from './growcrm/provider.ts';
import { ilertProvider } from './ilert/provider.ts';
import { nodepingProvider } from './nodeping/provider.ts';
import { rServiceProvider } from './r-service/provider.ts';
import type { Connector, ConnectorConfig } from './types.ts';

/** Every provider contact-sync has a connector for; the one list the rest derives from. */
export const PROVIDERS = [
  ilertProvider,
  churchpadProvider,
  nodepingProvider,
  growcrmProvider,
  rServiceProvider,
] as const;

export type ProviderKey = (typeof PROVIDERS)[number]['key'];
export const PROVIDER_KEYS = PROVIDERS.map((p) => p.key) as [ProviderKey, ...ProviderKey[]];

type Entry<K extends ProviderKey> = Extract<(typeof PROVIDERS)[number], { key: K }>;
const byKey = new Map<string, (typeof PROVIDERS)[number]>(PROVIDERS.map((p) => [p.key, p]));

const entry = <K extends ProviderKey>(provider: K): Entry<K> => {
  const found = byKey.get(provider);
  if (!found) throw new Error(`unknown provider: ${String(provider)}`);
  return found as Entry<K>;
};

/** The connector of a provider, configured by base URL, credential and options. */
export const createConnector = (provider: ProviderKey, config: ConnectorConfig): Connector =>
  entry(provider).create(config);

/** A provider's capability descriptor, without a connection. */
export const capabilitiesFor = (provider: ProviderKey): CapabilityDescriptor => entry(provider).capabilities;

/** Each provider's connection options schema, by key. */
export const providerOptionsSchemas = Object.fromEntries(PROVIDERS.map((p) => [p.key, p.optionsSchema])) as {
  [K in ProviderKey]: Entry<K>['optionsSchema'];
};
