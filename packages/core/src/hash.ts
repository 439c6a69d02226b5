import { createHash } from 'node:crypto';
import { FIELDS, type Projection, SET_FIELDS, type SetEntry } from './canonical.ts';
import { normalizeProjection } from './normalize.ts';

/** sha256 hex of a string (pure computation; node:crypto does no I/O here). */
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * A stable serialisation of an already-normalized projection: fields in canonical order,
 * only present ones, set entries as [value, label] (`raw` left out).
 */
export const stableProjectionJson = (p: Projection): string => {
  const parts: string[] = [];
  for (const f of FIELDS) {
    const v = p[f];
    if (v === undefined) continue;
    if ((SET_FIELDS as readonly string[]).includes(f)) {
      const entries = (v as SetEntry[]).map((e) => [e.value, e.label]);
      parts.push(`${JSON.stringify(f)}:${JSON.stringify(entries)}`);
    } else {
      parts.push(`${JSON.stringify(f)}:${JSON.stringify(v)}`);
    }
  }
  return `{${parts.join(',')}}`;
};

/** Content hash of a projection: equal for projections that normalize to the same thing. */
export const contentHash = (p: Projection): string => sha256(stableProjectionJson(normalizeProjection(p)));

/** Hash of a projection already in normal form (skips re-normalizing; hot path). */
export const normalizedContentHash = (p: Projection): string => sha256(stableProjectionJson(p));
