import { z } from 'zod';

export interface ChurchpadContact {
  id: string;
  legacy_id: string | null;
  nextgen_legacy_id: string | null;
  created_at: string | null;
  updated_at: string;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  phone: string;
  email: string;
  avatar: string | null;
  is_manual: boolean;
}

// Django REST Framework's own messages, so clients see what the real service sends.
const REQUIRED = 'This field is required.';
const NOT_NULL = 'This field may not be null.';
const BLANK = 'This field may not be blank.';
const maxMsg = (n: number) => `Ensure this field has no more than ${n} characters.`;

const stringError = (iss: { input: unknown }) =>
  iss.input === undefined ? REQUIRED : iss.input === null ? NOT_NULL : 'Not a valid string.';

// DRF CharFields trim surrounding whitespace before validating (trim_whitespace=True).
const requiredText = (max: number) => z.string({ error: stringError }).trim().min(1, BLANK).max(max, maxMsg(max));
const optionalText = (max: number) => z.string({ error: stringError }).trim().max(max, maxMsg(max)).nullable();

// Django's EmailValidator, simplified: one @, a dotted domain, no spaces.
const emailField = z
  .string({ error: stringError })
  .trim()
  .min(1, BLANK)
  .max(254, maxMsg(254))
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@.]+$/, 'Enter a valid email address.');

const urlField = z
  .string({ error: stringError })
  .trim()
  .max(200, maxMsg(200))
  .refine((s) => s === '' || /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(s), 'Enter a valid URL.')
  .nullable();

const boolField = z.boolean({ error: 'Must be a valid boolean.' });

export const ContactWriteSchema = z.object({
  legacy_id: optionalText(255).optional(),
  nextgen_legacy_id: optionalText(255).optional(),
  first_name: requiredText(50),
  middle_name: optionalText(50).optional(),
  last_name: requiredText(50),
  phone: requiredText(15),
  email: emailField,
  avatar: urlField.optional(),
  is_manual: boolField.optional(),
});

export const ContactPatchSchema = ContactWriteSchema.partial();

/** DRF's 400 body: `{ field: [messages] }`. */
export function drfErrors(err: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const field = issue.path.length ? String(issue.path[0]) : 'non_field_errors';
    out[field] = [...(out[field] ?? []), issue.message];
  }
  return out;
}
