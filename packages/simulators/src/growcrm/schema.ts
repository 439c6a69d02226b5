import { z } from 'zod';
import { EMAIL_RE } from '../shared/time.ts';

export interface GrowClient {
  id: number;
  company_name: string;
}

export interface GrowContact {
  id: number;
  first_name: string;
  last_name: string;
  name: string;
  email: string;
  phone: string | null;
  job_position: string | null;
  account_owner: 'yes' | 'no';
  status: string;
  client: GrowClient | null;
  role: { id: number; name: string };
  social: { twitter: string | null; facebook: string | null; linkedin: string | null };
  dates: { created: string; updated: string };
}

export const SORT_FIELDS = ['first_name', 'last_name', 'email', 'created', 'updated'] as const;

// Laravel's validation messages, so clients see what the real service sends.
const label = (field: string) => field.replace(/_/g, ' ');
const required = (field: string) => `The ${label(field)} field is required.`;
const str = (field: string, max = 255) =>
  z
    .string({
      error: (i) =>
        i.input === undefined || i.input === null ? required(field) : `The ${label(field)} field must be a string.`,
    })
    .trim()
    .min(1, required(field))
    .max(max, `The ${label(field)} field must not be greater than ${max} characters.`);
const optionalStr = (field: string) =>
  z
    .string({ error: `The ${label(field)} field must be a string.` })
    .trim()
    .max(255, `The ${label(field)} field must not be greater than 255 characters.`)
    .nullable()
    .optional();
const email = str('email').regex(EMAIL_RE, 'The email field must be a valid email address.');

export const CreateSchema = z.object({
  first_name: str('first_name'),
  last_name: str('last_name'),
  email,
  // Laravel's integer rule also accepts digit strings (form posts).
  clientid: z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
    z
      .number({
        error: (i) =>
          i.input === undefined || i.input === null || i.input === ''
            ? required('clientid')
            : 'The clientid field must be an integer.',
      })
      .int('The clientid field must be an integer.'),
  ),
  phone: optionalStr('phone'),
  position: optionalStr('position'),
  send_email: z.enum(['yes', 'no'], { error: 'The selected send email is invalid.' }).optional(),
});

export const UpdateSchema = z.object({
  first_name: str('first_name'),
  last_name: str('last_name'),
  email,
  phone: optionalStr('phone'),
  position: optionalStr('position'),
});

const intParam = (field: string, min: number, max?: number) => {
  let n = z.coerce
    .number({ error: `The ${field} field must be an integer.` })
    .int(`The ${field} field must be an integer.`);
  n = n.min(min, `The ${field} field must be at least ${min}.`);
  if (max !== undefined) n = n.max(max, `The ${field} field must not be greater than ${max}.`);
  return n.optional();
};

export const ListQuerySchema = z.object({
  status: z.string().optional(),
  client_id: intParam('client id', 1),
  account_owner: z.enum(['yes', 'no'], { error: 'The selected account owner is invalid.' }).optional(),
  search: z.string().optional(),
  sort: z.enum(SORT_FIELDS, { error: 'The selected sort is invalid.' }).optional(),
  order: z.enum(['asc', 'desc'], { error: 'The selected order is invalid.' }).optional(),
  limit: intParam('limit', 1, 100),
  page: intParam('page', 1),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

/** Laravel's 422 body: the first message (+ "and N more errors") and every message by field. */
export function laravelErrors(err: z.ZodError): { message: string; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  for (const issue of err.issues) {
    const field = String(issue.path[0] ?? 'body');
    errors[field] = [...(errors[field] ?? []), issue.message];
  }
  return validationBody(errors);
}

export function validationBody(errors: Record<string, string[]>) {
  const all = Object.values(errors).flat();
  const more = all.length - 1;
  const message =
    more > 0 ? `${all[0]} (and ${more} more error${more > 1 ? 's' : ''})` : (all[0] ?? 'The given data was invalid.');
  return { message, errors };
}
