import { z } from 'zod';
import { Id, type ProviderEntry, transportOptionsShape } from '../shared/provider-entry.ts';
import { growcrmCapabilities } from './capabilities.ts';
import { GrowcrmConnector } from './connector.ts';

/** The growcrm provider as the registry knows it: its key, what it can hold, its connection options, its connector. */
export const growcrmProvider = {
  key: 'growcrm',
  capabilities: growcrmCapabilities,
  optionsSchema: z.strictObject({
    ...transportOptionsShape,
    /** The client account new contacts are created under (`clientid`, required on create). */
    clientId: Id.optional(),
  }),
  create: (config) => new GrowcrmConnector(config),
} as const satisfies ProviderEntry;
