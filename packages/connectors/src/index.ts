export { NotFoundError, PermanentError, TransientError } from './errors.ts';

export {
  capabilitiesFor,
  createConnector,
  PROVIDER_KEYS,
  type ProviderKey,
  providerOptionsSchemas,
} from './registry.ts';
export type { RequestGate } from './shared/gate.ts';

export type { Connector, ListPage } from './types.ts';
