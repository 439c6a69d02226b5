import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { z } from 'zod';
import type { Connector, ConnectorConfig } from '../types.ts';

/**
 * What each provider folder exports (`<provider>/provider.ts`) and the registry lists: the
 * config, the worker, the bench and the tests derive the provider list and each connection's
 * options from these entries.
 */
export interface ProviderEntry {
  readonly key: string;
  readonly capabilities: CapabilityDescriptor;
  /** The connection's `options` in the config file (strict: an unknown key is an error). */
  readonly optionsSchema: z.ZodObject;
  readonly create: (config: ConnectorConfig) => Connector;
}

/** An id a provider may give as a string or a number. */
export const Id = z.union([z.string().min(1), z.number().int().nonnegative()]);

/** Options every connection takes, whatever its provider. */
export const transportOptionsShape = {
  /** The largest answer body the connection accepts, in bytes (default 16 MiB); a bigger one fails the request. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .optional(),
};
