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

/**
 * The same serialisation written straight into bytes, for projections whose every string is plain
 * ASCII (printable or DEL: no quote, backslash or control character), the common case: those
 * bytes are the UTF-8 that hashing the JSON text would encode, without building the text (its
 * pieces, their concatenation, the flattening and encoding inside `hash`). Any other string, or a
 * value that is not one, answers -1 and the projection takes the text path. The bytes are a scratch
 * buffer of this module, valid until the next call (single-threaded; no call in between).
 */
let scratch = new Uint8Array(1024);
let at = 0;
const room = (k: number): void => {
  if (at + k <= scratch.length) return;
  const grown = new Uint8Array(Math.max(scratch.length * 2, at + k));
  grown.set(scratch.subarray(0, at));
  scratch = grown;
};
const asciiBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** Each field read by name (one small function a field): a read by key would meet every projection shape at one site. */
const READ: Record<string, (p: Projection) => unknown> = {
  givenName: (p) => p.givenName,
  middleName: (p) => p.middleName,
  familyName: (p) => p.familyName,
  displayName: (p) => p.displayName,
  organization: (p) => p.organization,
  title: (p) => p.title,
  avatarUrl: (p) => p.avatarUrl,
  emails: (p) => p.emails,
  phones: (p) => p.phones,
  websites: (p) => p.websites,
  chats: (p) => p.chats,
} satisfies Record<(typeof FIELDS)[number], (p: Projection) => unknown>;
const FIELD_BYTES: readonly {
  read: (p: Projection) => unknown;
  first: Uint8Array;
  next: Uint8Array;
  isSet: boolean;
}[] = FIELD_KEYS.map((k) => ({
  read: READ[k.f]!,
  first: asciiBytes(k.first),
  next: asciiBytes(k.next),
  isSet: k.isSet,
}));
const NULL_BYTES = asciiBytes('null');
const putBytes = (b: Uint8Array): void => {
  room(b.length);
  for (let i = 0; i < b.length; i++) scratch[at + i] = b[i]!;
  at += b.length;
};
const putByte = (c: number): void => {
  room(1);
  scratch[at++] = c;
};
/** `"s"` when `s` is a plain ASCII string (its JSON text is itself quoted); false, writing nothing that counts, otherwise. */
const putPlainJsonString = (s: unknown): boolean => {
  if (typeof s !== 'string') return false;
  const len = s.length;
  room(len + 2);
  const b = scratch;
  let i = at;
  b[i++] = 34; // "
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return false;
    b[i++] = c;
  }
  b[i++] = 34;
  at = i;
  return true;
};
/** Length of `stableProjectionJson(p)` written as bytes into `scratch`, or -1 (see above). */
const stableProjectionBytes = (p: Projection): number => {
  at = 0;
  let any = false;
  for (let k = 0; k < FIELD_BYTES.length; k++) {
    const { read, first, next, isSet } = FIELD_BYTES[k]!;
    const v = read(p);
    if (v === undefined) continue;
    putBytes(any ? next : first);
    any = true;
    if (isSet) {
      const entries = v as SetEntry[];
      putByte(91); // [
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (i > 0) putByte(44); // ,
        putByte(91);
        if (!putPlainJsonString(e.value)) return -1;
        putByte(44);
        const label = e.label;
        if (label == null) putBytes(NULL_BYTES);
        else if (!putPlainJsonString(label)) return -1;
        putByte(93); // ]
      }
      putByte(93);
    } else if (v === null) putBytes(NULL_BYTES);
    else if (!putPlainJsonString(v)) return -1;
  }
  if (!any) putByte(123); // {
  putByte(125); // }
  return at;
};

/** sha256 hex of `stableProjectionJson(p)`: from its bytes when they can be written directly, else from the text. */
const projectionHash = (p: Projection): string => {
  const n = stableProjectionBytes(p);
  if (n < 0) return sha256(stableProjectionJson(p));
  const h = hash('sha256', scratch.subarray(0, n), 'hex');
  // A rare huge projection does not keep its buffer: the scratch stays small in steady state.
  if (scratch.length > SCRATCH_KEPT) scratch = new Uint8Array(1024);
  return h;
};
const SCRATCH_KEPT = 64 * 1024;

/** Content hash of a projection: equal for projections that normalize to the same thing. */
export const contentHash = (p: Projection): string => projectionHash(normalizeProjection(p));

/** Hash of a projection already in normal form (skips re-normalizing; hot path). */
export const normalizedContentHash = (p: Projection): string => projectionHash(p);

/** `normalizedContentHash` through the JSON text only (the reference the byte path is tested against). */
export const normalizedContentHashOfText = (p: Projection): string => sha256(stableProjectionJson(p));
