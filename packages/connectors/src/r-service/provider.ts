import { z } from 'zod';
import { type ProviderEntry, transportOptionsShape } from '../shared/provider-entry.ts';
import { rServiceCapabilities } from './capabilities.ts';
import { RServiceConnector } from './connector.ts';

/** The r-service provider as the registry knows it: its key, what it can hold, its connection options, its connector. */
export const rServiceProvider = {
  key: 'r-service',
  capabilities: rServiceCapabilities,
  optionsSchema: z.strictObject({
    ...transportOptionsShape,
    /** The 4me account id, sent in the account header. */
    account: z.string().min(1).optional(),
    accountHeader: z.string().min(1).optional(),
  }),
  create: (config) => new RServiceConnector(config),
} as const satisfies ProviderEntry;
