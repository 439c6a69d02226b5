import type { Projection } from '@contact-sync/core/canonical';
import type { ExternalRecord, PulledItem } from '../types.ts';

/**
 * Finds the record sharing a normalized email (then phone) with `target` by streaming the
 * whole list: O(provider size) requests, used only after a create whose outcome is unknown
 * by providers that have no search.
 */
export const scanForNaturalKey = async (
  pages: AsyncIterable<PulledItem[]>,
  target: Projection,
): Promise<ExternalRecord | null> => {
  const emails = new Set((target.emails ?? []).map((e) => e.value));
  const phones = new Set((target.phones ?? []).map((e) => e.value));
  if (emails.size === 0 && phones.size === 0) return null;
  let byPhone: ExternalRecord | null = null;
  for await (const page of pages) {
    for (const item of page) {
      if (item.kind !== 'record') continue;
      const p = item.record.projection;
      if (emails.size > 0 && p.emails?.some((e) => emails.has(e.value))) return item.record;
      if (!byPhone && emails.size === 0 && p.phones?.some((e) => phones.has(e.value))) byPhone = item.record;
    }
  }
  return byPhone;
};

/** The same match, over records already in hand (a search result page). */
export const matchNaturalKey = (records: readonly ExternalRecord[], target: Projection): ExternalRecord | null => {
  const emails = new Set((target.emails ?? []).map((e) => e.value));
  return records.find((r) => r.projection.emails?.some((e) => emails.has(e.value))) ?? null;
};
