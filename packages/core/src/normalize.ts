import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
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
  try {
    const parsed = parsePhoneNumberFromString(trimmed, defaultRegion as CountryCode | undefined);
    if (parsed?.isPossible()) return { value: parsed.number, raw };
  } catch {
    // Unparseable text falls through to the cleaned form.
  }
  return { value: cleanPhone(trimmed), raw };
};

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
  return out.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
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

const isNormalized = (p: Projection): boolean => {
  for (const k in p) {
    const kind = KIND[k];
    const v = (p as Record<string, unknown>)[k];
    if (kind === 2) {
      if (v === undefined) return false;
      let prev: string | null = null;
      for (const e of v as SetEntry[]) {
        if (prev !== null && !(prev < e.value)) return false;
        if (!valueIsNormal(k as SetField, e.value) || (e.label !== null && !labelIsNormal(e.label))) return false;
        prev = e.value;
      }
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
export const projectionsEqual = (a: Projection, b: Projection, fields: readonly string[] = FIELDS): boolean => {
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
