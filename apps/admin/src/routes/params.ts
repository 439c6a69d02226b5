import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `:id` of a row keyed by a uuid. */
export const IdParams = z.strictObject({ id: z.string().regex(UUID, 'must be a UUID') });

/** A list's query string: the operation's own filters, but unknown keys are refused (a typo is not "no filter"). */
export const strictQuery = <S extends z.ZodObject>(schema: S) => z.strictObject(schema.shape);

export const OkView = z.object({ ok: z.literal(true) });
