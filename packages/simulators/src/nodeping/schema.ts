import { z } from 'zod';

const ADDRESS_TYPES = ['email', 'sms', 'voice', 'webhook', 'slack', 'hipchat', 'pushover', 'pagerduty'] as const;
const SETTABLE_ROLES = ['edit', 'view', 'notify'] as const;

export interface NodepingAddress {
  address: string;
  type: string;
  status?: string;
  suppressup?: boolean;
  suppressdown?: boolean;
  suppressfirst?: boolean;
  suppressdiag?: boolean;
  suppressall?: boolean;
  accountsuppressall?: boolean;
  mute?: boolean | number;
  [extra: string]: unknown;
}

export interface NodepingContact {
  _id: string;
  type: 'contact';
  customer_id: string;
  name: string;
  custrole: string;
  addresses: Record<string, NodepingAddress>;
}

const flags = {
  suppressup: z.boolean().optional(),
  suppressdown: z.boolean().optional(),
  suppressfirst: z.boolean().optional(),
  suppressdiag: z.boolean().optional(),
  suppressall: z.boolean().optional(),
  mute: z.union([z.boolean(), z.number().int().nonnegative()]).optional(),
};

// Type-specific extras (webhook action/data/headers/querystrings, pushover priority) pass through.
const NewAddressSchema = z
  .looseObject({
    address: z.string().trim().min(1, 'address is required'),
    type: z.enum(ADDRESS_TYPES, { error: `type must be one of ${ADDRESS_TYPES.join(', ')}` }),
    ...flags,
  })
  .refine((a) => a.type !== 'email' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a.address), {
    message: 'Invalid email address',
    path: ['address'],
  });

const ExistingAddressSchema = z.looseObject({
  address: z.string().trim().min(1, 'address must not be empty').optional(),
  type: z.enum(ADDRESS_TYPES).optional(),
  ...flags,
});

export const ContactWriteSchema = z.object({
  name: z.string().optional(),
  custrole: z.enum(SETTABLE_ROLES, { error: "custrole must be 'edit', 'view' or 'notify'" }).optional(),
  newaddresses: z.array(NewAddressSchema, { error: 'newaddresses must be an array' }).optional(),
  addresses: z.record(z.string(), ExistingAddressSchema, { error: 'addresses must be an object' }).optional(),
});
