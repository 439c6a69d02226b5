import type { SetEntry } from '@contact-sync/core/canonical';
import {
  normalizeEmail as coreEmail,
  normalizeLabel as coreLabel,
  normalizeName as coreName,
  normalizeUrl as coreUrl,
  readPhone,
} from '@contact-sync/core/normalize';
import type { CountryCode } from 'libphonenumber-js';

/**
 * Normalization that makes projections stable: what a provider stores differently from
 * what was sent (case, spacing, phone formatting) must map back to the same value, or
 * the engine would ping-pong. The rules are core's (`@contact-sync/core/normalize`); these
 * wrappers add null handling and, for phones, the region ilert needs.
 */

/** Trimmed, inner whitespace collapsed, Unicode NFC; empty → null (core's rule). */
export const normalizeName = (s: string | null | undefined): string | null => coreName(s);

/** Trimmed and lower-cased (core's rule); empty → null. */
export const normalizeEmail = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = coreEmail(s);
  return t === '' ? null : t;
};

/** Trimmed URL/handle; empty → null. */
export const normalizeText = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = s.trim();
  return t === '' ? null : t;
};

export interface NormalizedPhone {
  /** E.164 when libphonenumber finds a possible number, else the raw text without formatting characters. */
  value: string;
  /** ISO region of the number when known (ilert needs it). */
  region: CountryCode | null;
  parsed: boolean;
}

export const normalizePhone = (s: string | null | undefined, defaultRegion?: CountryCode): NormalizedPhone | null => {
  const t = normalizeText(s);
  if (t == null) return null;
  // Memoized per distinct text and region (core's readPhone): libphonenumber is a pull's costliest step.
  const p = readPhone(t, defaultRegion);
  // A possible number libphonenumber cannot place in a country (an unassigned range) still has
  // its calling code's main country: ilert needs a region, and dropping the number would delete it there.
  if (p) return { value: p.number, region: p.country, parsed: true };
  return { value: cleanPhone(t), region: null, parsed: false };
};

/** Digits only, keeping a leading `+`; text with no digits is kept as trimmed text (same rule as core). */
const cleanPhone = (s: string): string => {
  const digits = s.replace(/[^\d]/g, '');
  if (digits === '') return s;
  return s.startsWith('+') ? `+${digits}` : digits;
};

/** Trimmed; scheme and host lower-cased; a lone trailing slash dropped (core's rule); empty → null. */
export const normalizeUrl = (s: string | null | undefined): string | null => {
  const t = normalizeText(s);
  return t == null ? null : coreUrl(t);
};

/** Labels are a small vocabulary: trimmed, lower-cased, empty → null (core's rule). */
export const normalizeLabel = (s: string | null | undefined): string | null => coreLabel(s);

/** A set entry; `raw` only kept when it differs from the normalized value. */
export const entry = (value: string, label: string | null, raw?: string | null): SetEntry =>
  raw != null && raw !== value ? { value, label, raw } : { value, label };

/** Keeps the first entry per normalized value (sets are keyed by value). */
export const dedupe = (entries: readonly SetEntry[]): SetEntry[] => {
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (seen.has(e.value)) return false;
    seen.add(e.value);
    return true;
  });
};
