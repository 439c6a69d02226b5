export { churchpadCapabilities } from './churchpad/capabilities.ts';
export { ConnectorError, NotFoundError, PermanentError, TransientError } from './errors.ts';
export { growcrmCapabilities } from './growcrm/capabilities.ts';
export { ilertCapabilities } from './ilert/capabilities.ts';
export { nodepingCapabilities } from './nodeping/capabilities.ts';
export { rServiceCapabilities } from './r-service/capabilities.ts';
export {
  capabilitiesFor,
  createConnector,
  PROVIDER_KEYS,
  PROVIDERS,
  type ProviderKey,
  providerOptionsSchemas,
} from './registry.ts';
export type { RequestGate } from './shared/gate.ts';
export type { ProviderEntry } from './shared/provider-entry.ts';
export type { Connector, ConnectorConfig, ExternalRecord, ListPage, PulledItem } from './types.ts';
