import { hash } from 'node:crypto';
import { FIELDS, type Projection, SET_FIELDS, type SetEntry } from './canonical.ts';
import { normalizeProjection } from './normalize.ts';

/**
 * sha256 hex of a string (pure computation; node:crypto does no I/O here). The one-shot
 * `crypto.hash` costs a third of `createHash().update().digest()`: no Hash object per call.
 */
export const sha256 = (s: string): string => hash('sha256', s, 'hex');

/** Each field: its name, the JSON text that opens it first or after another field, and whether it is a set (computed once). */
const FIELD_KEYS: readonly { f: string; first: string; next: string; isSet: boolean }[] = FIELDS.map((f) => ({
  f,
  first: `{${JSON.stringify(f)}:`,
  next: `,${JSON.stringify(f)}:`,
  isSet: (SET_FIELDS as readonly string[]).includes(f),
}));

/**
 * JSON text of a string. A string with nothing to escape (no quote, backslash, control character
 * below U+0020 or surrogate: JSON.stringify leaves it as it is) is quoted directly, which costs a fraction of
 * a JSON.stringify call; anything else goes through JSON.stringify.
 */
const PLAIN_JSON = /^[ !#-[\]-\ud7ff\ue000-\uffff]*$/;
const jsonString = (s: unknown): string =>
  typeof s === 'string' && PLAIN_JSON.test(s) ? `"${s}"` : (JSON.stringify(s) as string);

/**
 * A stable serialisation of an already-normalized projection: fields in canonical order,
 * only present ones, set entries as [value, label] (`raw` left out).
 */
const stableProjectionJson = (p: Projection): string => {
  // Byte for byte what JSON.stringify of [[value, label], …] gives: stored hashes stay valid.
  // Few and long concatenations (each piece appended once, field keys precomputed): this runs
  // for every planned op.
  let out = '';
  for (let k = 0; k < FIELD_KEYS.length; k++) {
    const { f, first, next, isSet } = FIELD_KEYS[k]!;
    const v = (p as Record<string, unknown>)[f];
    if (v === undefined) continue;
    out += out === '' ? first : next;
    if (isSet) {
      const entries = v as SetEntry[];
      let s = '[';
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        const label = e.label;
        s += `${i > 0 ? ',[' : '['}${jsonString(e.value)}${label == null ? ',null]' : `,${jsonString(label)}]`}`;
      }
      out += `${s}]`;
    } else out += v === null ? 'null' : jsonString(v);
  }
  return out === '' ? '{}' : `${out}}`;
};

/** Content hash of a projection: equal for projections that normalize to the same thing. */
export const contentHash = (p: Projection): string => sha256(stableProjectionJson(normalizeProjection(p)));

/** Hash of a projection already in normal form (skips re-normalizing; hot path). */
export const normalizedContentHash = (p: Projection): string => sha256(stableProjectionJson(p));
