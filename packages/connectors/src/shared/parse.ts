import type { z } from 'zod';
import { TransientError } from '../errors.ts';
import type { ExternalRecord, PulledItem } from '../types.ts';
import { formatZodError } from './zod-error.ts';

/** Best-effort id of a raw item that failed validation, so the quarantine can name it. */
export const rawId = (raw: unknown, key = 'id'): string | null => {
  const v = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
};

/** One list item → a record, or a quarantined item with the precise zod error; never throws. */
export const toPulledItem = <S extends z.ZodType>(
  schema: S,
  raw: unknown,
  toRecord: (wire: z.output<S>) => ExternalRecord,
  idKey = 'id',
): PulledItem => {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return { kind: 'invalid', externalId: rawId(raw, idKey), raw, error: formatZodError(parsed.error) };
  try {
    return { kind: 'record', record: toRecord(parsed.data) };
  } catch (err) {
    return { kind: 'invalid', externalId: rawId(raw, idKey), raw, error: `mapping failed: ${(err as Error).message}` };
  }
};

/**
 * A response envelope (page, single object) that does not match the documented shape:
 * transient, so an incomplete pull marks nothing gone and the job retries later.
 */
export const parseEnvelope = <S extends z.ZodType>(
  provider: string,
  what: string,
  schema: S,
  body: unknown,
): z.output<S> => {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new TransientError(
    provider,
    `${provider}: ${what} does not match the documented shape: ${formatZodError(parsed.error)}`,
    200,
  );
};
