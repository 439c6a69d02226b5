import { z } from 'zod';

const ref = z.union([z.object({ id: z.unknown(), name: z.string().nullish() }).passthrough(), z.string()]);

/** `GET /people` item (fields from the provider notes). */
export const RServicePersonSchema = z.object({
  id: z.number().int(),
  sourceID: z.string().nullish(),
  name: z.string().nullish(),
  primary_email: z.string().nullish(),
  organization: ref.nullish(),
  site: ref.nullish(),
  manager: ref.nullish(),
  disabled: z.boolean().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

const KINDS = ['telephone', 'email', 'website', 'chat'] as const;
export type Kind = (typeof KINDS)[number];

/** A contact of a person: a label and exactly one of telephone/email/website/chat (max 255). */
export const RServiceContactSchema = z
  .object({
    id: z.number().int(),
    label: z.string(),
    telephone: z.string().max(255).nullish(),
    email: z.string().max(255).nullish(),
    website: z.string().max(255).nullish(),
    chat: z.string().max(255).nullish(),
    integration: z.boolean().optional(),
  })
  .refine((c) => KINDS.filter((k) => c[k] != null).length === 1, {
    message: 'exactly one of telephone, email, website, chat must be set',
  });
export type RServiceContact = z.infer<typeof RServiceContactSchema>;

export const RServiceRecordSchema = z.object({
  person: RServicePersonSchema,
  contacts: z.array(RServiceContactSchema),
});
export type RServiceRecord = z.infer<typeof RServiceRecordSchema>;

export type RServiceContactWrite = { label: string } & Partial<Record<Kind, string>>;
