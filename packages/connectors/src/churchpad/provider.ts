import { z } from 'zod';
import { type ProviderEntry, transportOptionsShape } from '../shared/provider-entry.ts';
import { churchpadCapabilities } from './capabilities.ts';
import { ChurchpadConnector } from './connector.ts';

/** The churchpad provider as the registry knows it: its key, what it can hold, its connection options, its connector. */
export const churchpadProvider = {
  key: 'churchpad',
  capabilities: churchpadCapabilities,
  optionsSchema: z.strictObject({ ...transportOptionsShape }),
  create: (config) => new ChurchpadConnector(config),
} as const satisfies ProviderEntry;
