import { z } from 'zod';

const id = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

/** Grow CRM contact object, as documented (`account_owner` is "yes"/"no"). */
export const GrowcrmContactSchema = z.object({
  id,
  first_name: z.string(),
  last_name: z.string(),
  name: z.string().nullish(),
  email: z.string(),
  phone: z.string().nullish(),
  job_position: z.string().nullish(),
  account_owner: z.string().nullish(),
  status: z.string().nullish(),
  client: z.object({ id, company_name: z.string().nullish() }).nullish(),
  role: z.object({ id: z.unknown(), name: z.string().nullish() }).nullish(),
  social: z.record(z.string(), z.unknown()).nullish(),
  dates: z.object({ created: z.string().nullish(), updated: z.string().nullish() }).nullish(),
});
export type GrowcrmContact = z.infer<typeof GrowcrmContactSchema>;

/** Success envelope; `meta` (a Laravel paginator, unconfirmed) on lists only. */
export const GrowcrmListSchema = z.object({
  data: z.array(z.unknown()),
  meta: z
    .object({
      current_page: z.number().optional(),
      last_page: z.number().optional(),
      per_page: z.union([z.number(), z.string()]).optional(),
      total: z.number().optional(),
    })
    .passthrough()
    .nullish(),
  message: z.string().nullish(),
});
export const GrowcrmOneSchema = z.object({ data: z.unknown(), message: z.string().nullish() });

export interface GrowcrmContactWrite {
  first_name: string;
  last_name: string;
  email: string;
  phone?: string | null;
  position?: string | null;
  /** Create only. */
  clientid?: number | string;
}
