import { z } from 'zod';

export const KINDS = ['telephone', 'email', 'website', 'chat'] as const;
type Kind = (typeof KINDS)[number];

/** Which kinds each label may be used with (from the document's Fields section). */
const LABEL_KINDS: Record<string, readonly Kind[]> = {
  chat_skype: ['chat'],
  chat_slack: ['chat'],
  chat_teams: ['chat'],
  chat_workchat: ['chat'],
  fax: ['telephone'],
  home: ['telephone'],
  mobile: ['telephone'],
  personal: ['email', 'website'],
  work: ['telephone', 'email', 'website'],
};

export interface RServiceContact {
  id: number;
  label: string;
  telephone?: string;
  email?: string;
  website?: string;
  chat?: string;
  integration: boolean;
}

export interface RServicePerson {
  id: number;
  sourceID: string | null;
  name: string;
  primary_email: string;
  job_title: string | null;
  organization: { id: number; name: string } | null;
  site: { id: number; name: string } | null;
  manager: { id: number; name: string } | null;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

const value = z
  .string({ error: 'is not a string' })
  .max(255, 'is too long (maximum is 255 characters)')
  .nullable()
  .optional();

export const ContactInputSchema = z.object({
  id: z.unknown().optional(),
  label: z.string({ error: 'is not a string' }).nullable().optional(),
  telephone: value,
  email: value,
  website: value,
  chat: value,
  integration: z.boolean({ error: 'is not a boolean' }).optional(),
});

export const PersonInputSchema = z.object({
  name: z
    .string({ error: "can't be blank" })
    .trim()
    .min(1, "can't be blank")
    .max(255, 'is too long (maximum is 255 characters)'),
  primary_email: z
    .string({ error: "can't be blank" })
    .trim()
    .min(1, "can't be blank")
    .max(255, 'is too long (maximum is 255 characters)'),
  job_title: z.string().max(255).nullable().optional(),
  sourceID: z.string().max(255).nullable().optional(),
  disabled: z.boolean().optional(),
});

/** Rules that span fields: exactly one kind filled, and a label allowed for that kind. */
export function validateContact(c: Omit<RServiceContact, 'id'>): [string, string][] {
  const errors: [string, string][] = [];
  const filled = KINDS.filter((k) => c[k] !== undefined && c[k] !== null && c[k] !== '');
  if (filled.length === 0) errors.push(['base', 'Telephone, email, website or chat must be filled in']);
  if (filled.length > 1) errors.push(['base', 'Only one of telephone, email, website or chat may be filled in']);
  if (!c.label) errors.push(['label', "can't be blank"]);
  else if (!LABEL_KINDS[c.label]) errors.push(['label', 'is not included in the list']);
  else if (filled.length === 1 && !LABEL_KINDS[c.label]!.includes(filled[0]!)) {
    errors.push(['label', `is not valid for ${filled[0]}`]);
  }
  return errors;
}
