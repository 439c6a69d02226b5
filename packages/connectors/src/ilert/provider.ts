import { z } from 'zod';
import { type ProviderEntry, transportOptionsShape } from '../shared/provider-entry.ts';
import { ilertCapabilities } from './capabilities.ts';
import { IlertConnector } from './connector.ts';

/** The ilert provider as the registry knows it: its key, what it can hold, its connection options, its connector. */
export const ilertProvider = {
  key: 'ilert',
  capabilities: ilertCapabilities,
  optionsSchema: z.strictObject({ ...transportOptionsShape }),
  create: (config) => new IlertConnector(config),
} as const satisfies ProviderEntry;
