import type { Canonical, FieldKey, Projection, ScalarField, SetEntry, SetField } from '@contact-sync/core/canonical';
import type { Omission } from '@contact-sync/core/capabilities';
import {
  normalizeEmail,
  normalizeLabel,
  normalizeName,
  normalizePhone,
  normalizeText,
  normalizeUrl,
} from './normalize.ts';

/**
 * Builds a provider's projection of a canonical record and reports, instead of truncating,
 * what the provider cannot hold. An omitted scalar is left out of the projection (the
 * provider keeps what it has); an omitted set entry is left out of the set.
 */
export class Projector {
  readonly projection: Projection = {};
  readonly omitted: Omission[] = [];

  /** `keep`: the value is invalid here, not beyond capacity: a record already holding it keeps it. */
  omit(field: FieldKey, value: string | null, reason: string, opts: { keep?: boolean } = {}): void {
    this.omitted.push(opts.keep ? { field, value, reason, keep: true } : { field, value, reason });
  }

  /** Normalized scalar, omitted when longer than `max` or rejected by `valid`. */
  scalar(
    field: ScalarField,
    value: string | null,
    opts: { max?: number; valid?: (v: string) => string | null; normalize?: (v: string | null) => string | null } = {},
  ): void {
    const v = (opts.normalize ?? normalizeName)(value);
    const why =
      v == null
        ? null
        : opts.max != null && v.length > opts.max
          ? `longer than ${opts.max} characters`
          : opts.valid?.(v);
    if (v != null && why) this.omit(field, v, why);
    else this.projection[field] = v;
  }

  set(field: SetField, entries: SetEntry[]): void {
    this.projection[field] = entries;
  }

  result(): { projection: Projection; omitted: Omission[] } {
    return { projection: this.projection, omitted: this.omitted };
  }
}

/** Canonical set entries renormalized (defensive: canonical should already be normalized), duplicates dropped. */
export const canonicalEntries = (c: Canonical, field: SetField): SetEntry[] => {
  const norm =
    field === 'emails'
      ? normalizeEmail
      : field === 'phones'
        ? (s: string) => normalizePhone(s)?.value ?? null
        : field === 'websites'
          ? normalizeUrl
          : normalizeText;
  const seen = new Set<string>();
  const out: SetEntry[] = [];
  for (const e of c[field]) {
    const value = norm(e.value);
    if (value == null || seen.has(value)) continue;
    seen.add(value);
    out.push({ value, label: normalizeLabel(e.label) });
  }
  return out;
};

export const isUrl = (v: string): string | null => (URL.canParse(v) ? null : 'not a valid URL');
export const isEmail = (v: string): string | null =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? null : 'not a valid email address';
