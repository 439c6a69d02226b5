import { z } from 'zod';

/**
 * The canonical model: one record per person. Connectors map their wire format to a
 * *projection* (the subset of these fields the provider holds, normalized); the merge
 * core works only on projections and canonical records, never on wire formats.
 */

export const SCALAR_FIELDS = [
  'givenName',
  'middleName',
  'familyName',
  'displayName',
  'organization',
  'title',
  'avatarUrl',
] as const;
export const SET_FIELDS = ['emails', 'phones', 'websites', 'chats'] as const;
export const FIELDS = [...SCALAR_FIELDS, ...SET_FIELDS] as const;

export type ScalarField = (typeof SCALAR_FIELDS)[number];
export type SetField = (typeof SET_FIELDS)[number];
export type FieldKey = (typeof FIELDS)[number];

export const FieldKeySchema = z.enum(FIELDS);

/**
 * One entry of a multi-valued field. `value` is the normalized form and the set key
 * (email lower-cased, phone in E.164 where parseable, URL trimmed); `raw` keeps the text
 * as the provider had it and never takes part in comparison. `label` is free text from a
 * small vocabulary (work, home, mobile, personal, fax, other, skype, slack, teams, …).
 */
export const SetEntrySchema = z.object({
  value: z.string(),
  label: z.string().nullable(),
  raw: z.string().optional(),
});
export type SetEntry = z.infer<typeof SetEntrySchema>;

/** A provider's view of a person: only the fields that provider holds are present. */
export const ProjectionSchema = z
  .object({
    givenName: z.string().nullable(),
    middleName: z.string().nullable(),
    familyName: z.string().nullable(),
    displayName: z.string().nullable(),
    organization: z.string().nullable(),
    title: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    emails: z.array(SetEntrySchema),
    phones: z.array(SetEntrySchema),
    websites: z.array(SetEntrySchema),
    chats: z.array(SetEntrySchema),
  })
  .partial();
export type Projection = z.infer<typeof ProjectionSchema>;

/** The canonical record: every field present (scalars null when unknown, sets possibly empty). */
const CanonicalSchema = ProjectionSchema.required();
export type Canonical = z.infer<typeof CanonicalSchema>;

export const emptyCanonical = (): Canonical => ({
  givenName: null,
  middleName: null,
  familyName: null,
  displayName: null,
  organization: null,
  title: null,
  avatarUrl: null,
  emails: [],
  phones: [],
  websites: [],
  chats: [],
});
