import {
  type Canonical,
  emptyCanonical,
  type FieldKey,
  type Projection,
  SCALAR_FIELDS,
  SET_FIELDS,
  type SetEntry,
} from './canonical.ts';
import { diffCanonical } from './ledger.ts';
import { normalizeProjection, normalizeSetEntries } from './normalize.ts';
import { unionCanonical } from './resolve.ts';

/**
 * Merging two people by hand, and splitting them again: the values the merged person keeps
 * (the union, `into`'s scalars first, an admin's edits on top), every value of either side it
 * does not keep (reported, never silently lost), and on a split the record each person goes
 * back to: what they were before the merge, with every cell changed since the merge taken as
 * it is now (so a change made meanwhile is kept by both).
 */

interface MergeField {
  field: FieldKey;
  into: string | SetEntry[] | null;
  from: string | SetEntry[] | null;
  merged: string | SetEntry[] | null;
}

export interface DroppedValue {
  side: 'into' | 'from';
  field: FieldKey;
  value: string | SetEntry;
}

export interface MergeProposal {
  merged: Canonical;
  /** Every field either side holds, with what the merged person keeps. */
  fields: MergeField[];
  dropped: DroppedValue[];
}

const isSetField = (f: FieldKey): f is (typeof SET_FIELDS)[number] => (SET_FIELDS as readonly string[]).includes(f);

/** The merged person of `into` and `from`, with an admin's edits (`values`: fields to take as given). */
export const proposeMerge = (into: Canonical, from: Canonical, values: Projection = {}): MergeProposal => {
  const merged: Canonical = { ...unionCanonical(into, from), ...normalizeProjection(values) };
  const fields: MergeField[] = [];
  for (const f of SCALAR_FIELDS)
    if (into[f] !== null || from[f] !== null || merged[f] !== null)
      fields.push({ field: f, into: into[f], from: from[f], merged: merged[f] });
  for (const f of SET_FIELDS)
    if (into[f].length > 0 || from[f].length > 0 || merged[f].length > 0)
      fields.push({ field: f, into: into[f], from: from[f], merged: merged[f] });
  const dropped = droppedValues(into, from, merged);
  return { merged, fields, dropped };
};

/** Every value of either side that `merged` does not hold (a set entry: by its normalized value). */
export const droppedValues = (into: Canonical, from: Canonical, merged: Canonical): DroppedValue[] => {
  const dropped: DroppedValue[] = [];
  const sides = [
    ['into', into],
    ['from', from],
  ] as const;
  for (const f of SCALAR_FIELDS)
    for (const [side, c] of sides) {
      const v = c[f];
      if (v !== null && v !== merged[f]) dropped.push({ side, field: f, value: v });
    }
  for (const f of SET_FIELDS) {
    const kept = new Set(merged[f].map((e) => e.value));
    for (const [side, c] of sides)
      for (const e of c[f]) if (!kept.has(e.value)) dropped.push({ side, field: f, value: e });
  }
  return dropped;
};

/**
 * What a person merged at `merged` goes back to on a split: `before` (their record before the
 * merge), except the cells that changed since the merge (`now` differs from `merged`), which
 * are taken from `now`.
 */
export const restoreAfterSplit = (before: Canonical, merged: Canonical, now: Canonical): Canonical => {
  const out: Canonical = { ...emptyCanonical(), ...before };
  for (const c of diffCanonical(merged, now)) {
    if (c.key === null) {
      if (!isSetField(c.field)) out[c.field] = now[c.field];
      continue;
    }
    if (!isSetField(c.field)) continue;
    const rest = out[c.field].filter((e) => e.value !== c.key);
    out[c.field] = normalizeSetEntries(c.field, c.new && typeof c.new !== 'string' ? [...rest, c.new] : rest);
  }
  return out;
};

/** A person made of provider records (a split without a merge to go back to): their union, first record first. */
export const personOfRecords = (records: readonly Projection[]): Canonical =>
  records.reduce<Canonical>(
    (acc, p) => unionCanonical(acc, { ...emptyCanonical(), ...normalizeProjection(p) }),
    emptyCanonical(),
  );
