import type { ProviderKey } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { churchpadCapabilities } from './churchpad/capabilities.ts';
import { ChurchpadConnector } from './churchpad/connector.ts';
import { growcrmCapabilities } from './growcrm/capabilities.ts';
import { GrowcrmConnector } from './growcrm/connector.ts';
import { ilertCapabilities } from './ilert/capabilities.ts';
import { IlertConnector } from './ilert/connector.ts';
import { nodepingCapabilities } from './nodeping/capabilities.ts';
import { NodepingConnector } from './nodeping/connector.ts';
import { rServiceCapabilities } from './r-service/capabilities.ts';
import { RServiceConnector } from './r-service/connector.ts';
import type { Connector, ConnectorConfig } from './types.ts';

const registry: Record<ProviderKey, { capabilities: CapabilityDescriptor; create: (c: ConnectorConfig) => Connector }> =
  {
    ilert: { capabilities: ilertCapabilities, create: (c) => new IlertConnector(c) },
    churchpad: { capabilities: churchpadCapabilities, create: (c) => new ChurchpadConnector(c) },
    nodeping: { capabilities: nodepingCapabilities, create: (c) => new NodepingConnector(c) },
    growcrm: { capabilities: growcrmCapabilities, create: (c) => new GrowcrmConnector(c) },
    'r-service': { capabilities: rServiceCapabilities, create: (c) => new RServiceConnector(c) },
  };

/** The connector of a provider, configured by base URL, credential and options. */
export const createConnector = (provider: ProviderKey, config: ConnectorConfig): Connector => {
  const entry = registry[provider];
  if (!entry) throw new Error(`unknown provider: ${String(provider)}`);
  return entry.create(config);
};

/** A provider's capability descriptor, without a connection. */
export const capabilitiesFor = (provider: ProviderKey): CapabilityDescriptor => {
  const entry = registry[provider];
  if (!entry) throw new Error(`unknown provider: ${String(provider)}`);
  return entry.capabilities;
};
