import { z } from 'zod';
import { Id, type ProviderEntry, transportOptionsShape } from '../shared/provider-entry.ts';
import { nodepingCapabilities } from './capabilities.ts';
import { NodepingConnector } from './connector.ts';

/** The nodeping provider as the registry knows it: its key, what it can hold, its connection options, its connector. */
export const nodepingProvider = {
  key: 'nodeping',
  capabilities: nodepingCapabilities,
  optionsSchema: z.strictObject({
    ...transportOptionsShape,
    /** Sub-account the contacts live in (NodePing `customerid`). */
    customerId: Id.optional(),
    /** `custrole` given to contacts the engine creates. */
    custrole: z.enum(['edit', 'view', 'notify', 'owner']).optional(),
  }),
  create: (config) => new NodepingConnector(config),
} as const satisfies ProviderEntry;
