import type { Projection, SetEntry } from '@contact-sync/core/canonical';

/**
 * A projection in a form tests can compare with toEqual: only `fields`, `raw` dropped
 * (it never takes part in comparison), sets sorted by value, missing scalars as null.
 */
export const comparable = (p: Projection, fields: readonly (keyof Projection)[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = p[f];
    if (Array.isArray(v) || f === 'emails' || f === 'phones' || f === 'websites' || f === 'chats') {
      out[f] = ((v as SetEntry[] | undefined) ?? [])
        .map((e) => ({ value: e.value, label: e.label }))
        .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    } else {
      out[f] = v ?? null;
    }
  }
  return out;
};
