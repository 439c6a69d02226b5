import type { Canonical, Projection, ScalarField, SetEntry, SetField } from './canonical.ts';
import { emptyCanonical, SCALAR_FIELDS, SET_FIELDS } from './canonical.ts';
import { followNames } from './merge.ts';
import { normalizeProjection, normalizeSetEntries } from './normalize.ts';
import type { ReconcileInput, SideState } from './types.ts';

/**
 * Admin decisions as inputs to the same core: a resolved conflict becomes a canonical change,
 * and every side's base for that cell moves to what the side holds, so that no side counts as
 * having changed it; the normal reconcile then pushes the chosen value out like any other.
 */

export type Resolution =
  | { field: ScalarField; value: string | null }
  /** `entry` null removes the entry keyed `key`; otherwise sets it (its value must equal `key`). */
  | { field: SetField; key: string; entry: SetEntry | null };

const isSet = (r: Resolution): r is Extract<Resolution, { key: string }> => 'key' in r;

const withEntry = (entries: readonly SetEntry[], key: string, entry: SetEntry | null | undefined): SetEntry[] => {
  const rest = entries.filter((e) => e.value !== key);
  if (entry) rest.push(entry);
  return rest.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
};

const rebase = (side: SideState, canonical: Canonical, r: Resolution): SideState => {
  if (side.current === null) return side;
  const current = normalizeProjection(side.current);
  const base: Projection = { ...(side.base ? normalizeProjection(side.base) : {}) };
  if (isSet(r)) {
    if (current[r.field] === undefined) return side;
    const from = base[r.field] ?? canonical[r.field];
    base[r.field] = withEntry(
      from,
      r.key,
      current[r.field]!.find((e) => e.value === r.key),
    );
  } else {
    if (!(r.field in current)) return side;
    base[r.field] = current[r.field] ?? null;
  }
  return { ...side, base };
};

/** Applies a hand resolution; feed the result to `reconcileRecord`. */
export const applyResolution = (input: ReconcileInput, r: Resolution): ReconcileInput => {
  const before = input.canonical ?? emptyCanonical();
  const canonical: Canonical = { ...before };
  if (isSet(r)) {
    const entry = r.entry && normalizeSetEntries(r.field, [{ ...r.entry, value: r.key }])[0];
    canonical[r.field] = withEntry(before[r.field], r.key, entry ?? null);
  } else {
    canonical[r.field] = normalizeProjection({ [r.field]: r.value })[r.field] ?? null;
    // As for a provider's change of a name: a display name made of the names follows them, so the
    // decision reaches a provider that holds only the display name.
    followNames(before, canonical);
  }
  return { ...input, canonical, sides: input.sides.map((s) => rebase(s, before, r)) };
};

/** The union of two records: `keep`'s scalars and labels win, the absorbed record fills the gaps. */
export const unionCanonical = (keep: Canonical, absorb: Canonical): Canonical => {
  const out: Canonical = { ...keep };
  for (const f of SCALAR_FIELDS) out[f] = keep[f] ?? absorb[f];
  for (const f of SET_FIELDS) out[f] = normalizeSetEntries(f, [...keep[f], ...absorb[f]]);
  return out;
};
