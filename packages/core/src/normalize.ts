import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import metadata from 'libphonenumber-js/min/metadata';
import {
  FIELDS,
  type Projection,
  SCALAR_FIELDS,
  type ScalarField,
  SET_FIELDS,
  type SetEntry,
  type SetField,
} from './canonical.ts';

/**
 * Normalization shared by the mappers and the merge core. Mappers normalize what they
 * pull (phones parsed, emails lower-cased, names trimmed) so that what a provider stores
 * differently from what was sent maps back to the same projection; the core then only
 * needs the cheap structural form of `normalizeProjection` (no phone re-parsing).
 */

export const normalizeEmail = (raw: string): string => raw.trim().toLowerCase();

export interface NormalizedPhone {
  /** E.164 when libphonenumber-js finds a possible number, else the cleaned raw digits. */
  value: string;
  raw: string;
}

/** `defaultRegion` (ISO 3166 alpha-2, e.g. "DE") is used for numbers written without a country code. */
export const normalizePhone = (raw: string, defaultRegion?: string): NormalizedPhone => {
  const trimmed = raw.trim();
  const e164 = possibleE164(trimmed, defaultRegion);
  return { value: e164 ?? cleanPhone(trimmed), raw };
};

/** A possible number: its E.164 form and country (for a number libphonenumber cannot place, its calling code's main one). */
export interface PhoneReading {
  number: string;
  country: CountryCode | null;
}

/**
 * `text` read in `region`: null unless libphonenumber finds it a possible number. Memoized per
 * distinct (text, region): parsing is the costliest step of mapping a pulled record and of the
 * phone context, and the same numbers come back on every pass. Pure (the answer depends on the
 * arguments only); the memo is bounded, cleared when full.
 */
const readingMemo = new Map<string, PhoneReading | null>();
export const readPhone = (text: string, region?: string): PhoneReading | null => {
  const key = region ? `${region}\u0000${text}` : text;
  let r = readingMemo.get(key);
  if (r === undefined) {
    r = null;
    // libphonenumber says "no number" by throwing (and catching) its own errors, e.g. for every
    // national number read without a region: their stack traces cost more than the parse.
    const traces = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const parsed = parsePhoneNumberFromString(text, region as CountryCode | undefined);
      if (parsed?.isPossible()) r = Object.freeze({ number: parsed.number, country: mainCountryOf(parsed) });
    } catch {
      // Unparseable text: no reading.
    } finally {
      Error.stackTraceLimit = traces;
    }
    if (readingMemo.size >= 100_000) readingMemo.clear();
    readingMemo.set(key, r);
  }
  return r;
};

/** E.164 of a possible number, else null (`readPhone`'s number). */
export const possibleE164 = (text: string, region?: string): string | null => readPhone(text, region)?.number ?? null;

/**
 * The country of a parsed number; for a number libphonenumber cannot place (possible, not
 * valid: e.g. an unassigned range), the main country of its calling code (+44 → GB).
 */
export function mainCountryOf(
  parsed: { country?: CountryCode; countryCallingCode: string } | undefined,
): CountryCode | null {
  if (!parsed) return null;
  if (parsed.country) return parsed.country;
  const codes = (metadata as { country_calling_codes: Record<string, string[]> }).country_calling_codes;
  return (codes[parsed.countryCallingCode]?.[0] as CountryCode | undefined) ?? null;
}

/** Digits only, keeping a leading `+`; text with no digits is kept as trimmed text. */
const cleanPhone = (s: string): string => {
  const digits = s.replace(/[^\d]/g, '');
  if (digits === '') return s;
  return s.startsWith('+') ? `+${digits}` : digits;
};

/** Trims, collapses inner whitespace, Unicode NFC; empty → null. */
export const normalizeName = (raw: string | null | undefined): string | null => {
  if (raw == null) return null;
  const s = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  return s === '' ? null : s;
};

/** Trims; lower-cases scheme and host; drops a lone trailing slash. */
export const normalizeUrl = (raw: string): string => {
  const s = raw.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(s);
  if (!m) return s;
  const rest = m[3] === '/' ? '' : (m[3] ?? '');
  return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${rest}`;
};

/** Labels are a small vocabulary: trimmed, lower-cased, empty → null. */
export const normalizeLabel = (raw: string | null | undefined): string | null => {
  if (raw == null) return null;
  const s = raw.trim().toLowerCase();
  return s === '' ? null : s;
};

/** The cheap per-field value normalization (phones are assumed already parsed by the mapper). */
const normalizeEntryValue = (field: SetField, v: string): string => {
  switch (field) {
    case 'emails':
      return normalizeEmail(v);
    case 'websites':
      return normalizeUrl(v);
    default:
      return v.trim();
  }
};

/**
 * Dedupe by value (the first entry with a label wins), stable sort by value, drop empty
 * values. Sorting by value makes two projections with the same set structurally equal.
 */
export const normalizeSetEntries = (field: SetField, entries: readonly SetEntry[]): SetEntry[] => {
  // Already normal (sorted, distinct, clean values and labels: what projectors mostly build): as is.
  if (setIsNormal(field, entries)) return entries as SetEntry[];
  const out: SetEntry[] = [];
  for (const e of entries) {
    const value = normalizeEntryValue(field, e.value);
    if (value === '') continue;
    const label = normalizeLabel(e.label);
    const prev = out.find((x) => x.value === value);
    if (prev) {
      if (prev.label === null && label !== null) prev.label = label;
      continue;
    }
    out.push(e.raw === undefined ? { value, label } : { value, label, raw: e.raw });
  }
  return sortEntriesByValue(out);
};

const byValue = (a: SetEntry, b: SetEntry): number => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/**
 * `entries.sort(byValue)` (stable, in place), by insertion for the short lists of one person:
 * no work array, and a sorted list (the usual one) costs one comparison an entry. Long lists, and
 * any value that is not a string (where the comparison is not an order), go to the built-in sort.
 */
export const sortEntriesByValue = (entries: SetEntry[]): SetEntry[] => {
  const n = entries.length;
  if (n > 16) return entries.sort(byValue);
  for (let i = 0; i < n; i++) if (typeof entries[i]!.value !== 'string') return entries.sort(byValue);
  for (let i = 1; i < n; i++) {
    const x = entries[i]!;
    const v = x.value;
    let j = i - 1;
    if (!(entries[j]!.value > v)) continue;
    do {
      entries[j + 1] = entries[j]!;
      j--;
    } while (j >= 0 && entries[j]!.value > v);
    entries[j + 1] = x;
  }
  return entries;
};

// Allocation-free checks that a value is already in normal form (the common case: mappers
// normalize), so the merge core can re-normalize its inputs defensively at almost no cost.
// Plain printable ASCII with single inner spaces is normal as is; anything else takes the slow path.
const PLAIN_NAME = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const PLAIN_LOWER = /^[\x21-\x40\x5b-\x7e]+(?: [\x21-\x40\x5b-\x7e]+)*$/;
const PLAIN_EMAIL = /^[\x21-\x40\x5b-\x7e]+$/;
const nameIsNormal = (v: string): boolean => PLAIN_NAME.test(v) || (v !== '' && normalizeName(v) === v);
const labelIsNormal = (v: string): boolean => PLAIN_LOWER.test(v) || (v !== '' && normalizeLabel(v) === v);
const valueIsNormal = (field: SetField, v: string): boolean => {
  switch (field) {
    case 'emails':
      return PLAIN_EMAIL.test(v) || (v !== '' && normalizeEmail(v) === v);
    case 'websites':
      return v !== '' && normalizeUrl(v) === v;
    default:
      return PLAIN_NAME.test(v) || (v !== '' && v.trim() === v);
  }
};

/** 0 = name-like scalar, 1 = avatar URL, 2 = set field. */
const KIND: Record<string, 0 | 1 | 2 | undefined> = Object.assign(
  Object.create(null),
  Object.fromEntries([...SCALAR_FIELDS.map((f) => [f, f === 'avatarUrl' ? 1 : 0]), ...SET_FIELDS.map((f) => [f, 2])]),
);

const setIsNormal = (field: SetField, entries: readonly SetEntry[]): boolean => {
  let prev: string | null = null;
  for (const e of entries) {
    if (prev !== null && !(prev < e.value)) return false;
    if (typeof e.value !== 'string' || !valueIsNormal(field, e.value)) return false;
    if (e.label !== null && (typeof e.label !== 'string' || !labelIsNormal(e.label))) return false;
    prev = e.value;
  }
  return true;
};

const isNormalized = (p: Projection): boolean => {
  for (const k in p) {
    const kind = KIND[k];
    const v = (p as Record<string, unknown>)[k];
    if (kind === 2) {
      if (v === undefined || !setIsNormal(k as SetField, v as SetEntry[])) return false;
    } else if (kind === undefined || v === undefined) {
      return false; // unknown key, or a present-but-undefined scalar: let the slow path clean it
    } else if (v !== null) {
      if (kind === 1 ? v === '' || normalizeUrl(v as string) !== v : !nameIsNormal(v as string)) return false;
    }
  }
  return true;
};

/** The structural normal form of a projection: only present fields, normalized. Idempotent; returns `p` itself when already normal. */
export const normalizeProjection = (p: Projection): Projection => {
  if (isNormalized(p)) return p;
  const out: Projection = {};
  for (const f of SCALAR_FIELDS) {
    if (f in p) out[f] = normalizeScalar(f, p[f]);
  }
  for (const f of SET_FIELDS) {
    const v = p[f];
    if (v !== undefined) out[f] = normalizeSetEntries(f, v);
  }
  return out;
};

/** One scalar field's normal form. */
export const normalizeScalar = (f: ScalarField, v: string | null | undefined): string | null =>
  f === 'avatarUrl' ? (v == null || v.trim() === '' ? null : normalizeUrl(v)) : normalizeName(v);

const setEntriesEqual = (a: readonly SetEntry[], b: readonly SetEntry[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.value !== y.value || x.label !== y.label) return false;
  }
  return true;
};

/**
 * Equality of two *normalized* projections over `fields` (all fields by default); a
 * missing scalar counts as null and a missing set as empty; `raw` never counts.
 */
const projectionsEqual = (a: Projection, b: Projection, fields: readonly string[] = FIELDS): boolean => {
  for (const f of fields) {
    if (!fieldEqual(a, b, f as keyof Projection)) return false;
  }
  return true;
};

export const fieldEqual = (a: Projection, b: Projection, f: keyof Projection): boolean => {
  const x = a[f];
  const y = b[f];
  if (Array.isArray(x) || Array.isArray(y)) {
    return setEntriesEqual((x as SetEntry[] | undefined) ?? [], (y as SetEntry[] | undefined) ?? []);
  }
  return (x ?? null) === (y ?? null);
};

/** Equality after normalizing both sides (for callers holding un-normalized projections). */
export const canonicalEquals = (a: Projection, b: Projection): boolean =>
  projectionsEqual(normalizeProjection(a), normalizeProjection(b));
