import type { z } from 'zod';
import { TransientError } from '../errors.ts';
import type { ExternalRecord, PulledItem } from '../types.ts';
import { formatZodError } from './zod-error.ts';

/** Best-effort id of a raw item that failed validation, so the quarantine can name it. */
const rawId = (raw: unknown, key = 'id'): string | null => {
  const v = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
};

/** Longest string accepted anywhere in a pulled item (no contact field comes near it). */
export const MAX_PULLED_STRING = 32_768;

/** What is wrong with one string, or null. */
const badString = (s: string): string | null => {
  if (s.length > MAX_PULLED_STRING) return `a string of ${s.length} characters (at most ${MAX_PULLED_STRING} accepted)`;
  if (!s.isWellFormed()) return 'invalid Unicode (a lone UTF-16 surrogate)';
  if (s.includes('\u0000')) return 'invalid character NUL (\\u0000)';
  return null;
};

/** The first bad string under `raw`: its path (keys pushed on the way back up) and problem. */
function firstBad(raw: unknown, depth: number): { path: (string | number)[]; problem: string } | null {
  if (typeof raw === 'string') {
    const problem = badString(raw);
    return problem ? { path: [], problem } : null;
  }
  if (depth > 32 || !raw || typeof raw !== 'object') return null;
  if (Array.isArray(raw)) {
    for (let i = 0; i < raw.length; i++) {
      const bad = firstBad(raw[i], depth + 1);
      if (bad) {
        bad.path.unshift(i);
        return bad;
      }
    }
    return null;
  }
  for (const k in raw) {
    if (!Object.hasOwn(raw, k)) continue;
    const bad = firstBad((raw as Record<string, unknown>)[k], depth + 1);
    if (bad) {
      bad.path.unshift(k);
      return bad;
    }
  }
  return null;
}

/**
 * The first string in a raw item that cannot be a real contact value: longer than
 * MAX_PULLED_STRING, or not valid Unicode (a lone UTF-16 surrogate, a NUL). Named by its
 * path, e.g. `first_name: …`; null when every string is fine. Every pulled item passes here,
 * so the walk allocates nothing until it finds one.
 */
export const unsafeString = (raw: unknown): string | null => {
  const bad = firstBad(raw, 0);
  return bad ? `${bad.path.join('.') || '(root)'}: ${bad.problem}` : null;
};

/** One list item → a record, or a quarantined item with the precise zod error; never throws. */
export const toPulledItem = <S extends z.ZodType>(
  schema: S,
  raw: unknown,
  toRecord: (wire: z.output<S>) => ExternalRecord,
  idKey = 'id',
): PulledItem => {
  const unsafe = unsafeString(raw);
  if (unsafe) return { kind: 'invalid', externalId: rawId(raw, idKey), raw, error: unsafe };
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
