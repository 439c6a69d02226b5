import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** C0 controls (NUL, ESC, BEL …), DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why a string is not acceptable text (control characters, a lone surrogate), or null. */
export const textProblem = (s: string): string | null =>
  CONTROL.test(s)
    ? 'must not contain control characters (NUL, ESC …)'
    : s.isWellFormed()
      ? null
      : 'must not contain a lone surrogate (invalid Unicode)';

/**
 * Text from a request: no control characters and well-formed Unicode. Postgres refuses NUL
 * (it answered a 500), and stored text would reach providers and terminals.
 */
export const Text = z
  .string()
  .max(1000)
  .superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** `:id` of a row keyed by a uuid. */
export const IdParams = z.strictObject({ id: z.string().regex(UUID, 'must be a UUID') });

/** A page size: decimal digits only (`0x10` and `1e2` are not page sizes), 1-500. */
const Limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'a decimal integer from 1 to 500')
  .transform(Number)
  .pipe(z.number().int().min(1).max(500))
  .default(50);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Whether a cursor is one a page returned: base64url JSON `[ISO date of year 1-9999, uuid]`. */
function isCursor(cursor: string): boolean {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parts) || parts.length !== 2) return false;
    const [at, id] = parts as unknown[];
    return (
      typeof at === 'string' &&
      ISO.test(at) &&
      new Date(at).toISOString() === at &&
      typeof id === 'string' &&
      UUID.test(id)
    );
  } catch {
    return false;
  }
}

/** `nextCursor` of a previous page, checked part by part before it reaches the database. */
const Cursor = z
  .string()
  .max(200)
  .refine((c) => c === '' || isCursor(c), 'not a cursor returned by a previous page');

/** The free-text filters lists take: checked as `Text`. */
const TEXT_FILTERS = ['connectionId', 'kind', 'field', 'status'] as const;

/**
 * A list's query string: the operation's own filters, but unknown keys are refused (a typo is
 * not "no filter"), the page size and cursor are checked strictly, and free-text filters are
 * `Text` (the output types are those of the operation's schema).
 */
export const strictQuery = <S extends z.ZodObject>(schema: S) => {
  const shape: Record<string, z.ZodType> = { ...schema.shape };
  if ('limit' in shape) shape.limit = Limit;
  if ('cursor' in shape) shape.cursor = Cursor.optional();
  for (const key of TEXT_FILTERS) {
    const s = shape[key];
    // Enum filters stay as they are; plain string ones become Text.
    if (s instanceof z.ZodOptional && s.unwrap() instanceof z.ZodString) shape[key] = Text.optional();
  }
  return z.strictObject(shape) as unknown as z.ZodObject<S['shape'], z.core.$strict>;
};

export const OkView = z.object({ ok: z.literal(true) });
