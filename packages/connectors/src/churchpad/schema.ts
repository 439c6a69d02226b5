import { z } from 'zod';

/** ChurchPad `/api/unified-communications/contacts` contact, as documented. */
export const ChurchpadContactSchema = z.object({
  id: z.string().min(1),
  legacy_id: z.string().nullish(),
  nextgen_legacy_id: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  first_name: z.string(),
  middle_name: z.string().nullish(),
  last_name: z.string(),
  phone: z.string(),
  email: z.string(),
  avatar: z.string().nullish(),
  is_manual: z.boolean().optional(),
});
export type ChurchpadContact = z.infer<typeof ChurchpadContactSchema>;

/** Django REST Framework limit/offset page; items validated one by one. */
export const ChurchpadPageSchema = z.object({
  count: z.number().int().nonnegative(),
  next: z.string().nullable(),
  previous: z.string().nullable().optional(),
  results: z.array(z.unknown()),
});

/** Writable fields (POST body; PATCH takes any subset). */
export interface ChurchpadContactWrite {
  first_name?: string;
  middle_name?: string | null;
  last_name?: string;
  phone?: string;
  email?: string;
  avatar?: string | null;
}
