import { z } from 'zod';

/** One address of a contact; other documented/observed keys (suppress*, mute, status…) are kept. */
const NodepingAddressSchema = z
  .object({
    address: z.string(),
    type: z.string().optional(),
    status: z.string().optional(),
  })
  .passthrough();
export type NodepingAddress = z.infer<typeof NodepingAddressSchema>;

/** A PHP-style API may send an empty map as `[]`. */
const addressMap = z.preprocess(
  (v) => (v == null || (Array.isArray(v) && v.length === 0) ? {} : v),
  z.record(z.string(), NodepingAddressSchema),
);

export const NodepingContactSchema = z.object({
  _id: z.string().min(1),
  type: z.string().optional(),
  customer_id: z.string().optional(),
  name: z.string().nullish(),
  custrole: z.string().nullish(),
  sdomain: z.string().optional(),
  addresses: addressMap,
});
export type NodepingContact = z.infer<typeof NodepingContactSchema>;

export interface NodepingNewAddress {
  address: string;
  type: string;
}

export interface NodepingContactWrite {
  name?: string;
  custrole?: string;
  customerid?: string;
  /** Replaces the whole set (together with newaddresses) when present. */
  addresses?: Record<string, NodepingAddress>;
  newaddresses?: NodepingNewAddress[];
}
