import type { SetEntry } from '@contact-sync/core/canonical';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Normalization that makes projections stable: what a provider stores differently from
 * what was sent (case, spacing, phone formatting) must map back to the same value, or
 * the engine would ping-pong. Private to the connectors until core ships its own.
 */

/** Trimmed, inner whitespace collapsed, Unicode NFC; empty → null. */
export const normalizeName = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = s.normalize('NFC').trim().replace(/\s+/g, ' ');
  return t === '' ? null : t;
};

/** Trimmed and lower-cased; empty → null. */
export const normalizeEmail = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = s.normalize('NFC').trim().toLowerCase();
  return t === '' ? null : t;
};

/** Trimmed URL/handle; empty → null. */
export const normalizeText = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = s.normalize('NFC').trim();
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
  const p = parsePhoneNumberFromString(t, defaultRegion);
  if (p?.isPossible()) return { value: p.number, region: p.country ?? null, parsed: true };
  return { value: cleanPhone(t), region: null, parsed: false };
};

/** Digits only, keeping a leading `+`; text with no digits is kept as trimmed text (same rule as core). */
const cleanPhone = (s: string): string => {
  const digits = s.replace(/[^\d]/g, '');
  if (digits === '') return s;
  return s.startsWith('+') ? `+${digits}` : digits;
};

/** Trimmed; scheme and host lower-cased; a lone trailing slash dropped (same rule as core); empty → null. */
export const normalizeUrl = (s: string | null | undefined): string | null => {
  const t = normalizeText(s);
  if (t == null) return null;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(t);
  if (!m) return t;
  const rest = m[3] === '/' ? '' : (m[3] ?? '');
  return `${(m[1] ?? '').toLowerCase()}://${(m[2] ?? '').toLowerCase()}${rest}`;
};

/** Labels are a small vocabulary: trimmed, lower-cased, empty → null. */
export const normalizeLabel = (s: string | null | undefined): string | null => {
  if (s == null) return null;
  const t = s.trim().toLowerCase();
  return t === '' ? null : t;
};

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
