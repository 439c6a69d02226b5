/**
 * The fewest sub-resource calls that turn `existing` into `wanted` (person-scoped
 * providers): entries are matched by (group, normalized value); a label change is an
 * update; a removed and an added entry of the same group pair up into one update (so
 * changing one email is one call, not a delete plus a create); the rest are creates and
 * removes. Pure; run it on a fresh read so a retried update after a ghost write does
 * nothing twice.
 */
export interface ExistingEntry<W> {
  id: string | number;
  group: string;
  value: string;
  label: string | null;
  wire: W;
}
export interface WantedEntry {
  group: string;
  value: string;
  label: string | null;
}
export interface SubresourcePlan<W> {
  update: { from: ExistingEntry<W>; to: WantedEntry }[];
  create: WantedEntry[];
  remove: ExistingEntry<W>[];
}

export const diffSubresources = <W>(
  existing: readonly ExistingEntry<W>[],
  wanted: readonly WantedEntry[],
): SubresourcePlan<W> => {
  const key = (e: { group: string; value: string }) => `${e.group}\u0000${e.value}`;
  const plan: SubresourcePlan<W> = { update: [], create: [], remove: [] };
  const matched = new Set<ExistingEntry<W>>();
  const unmatched: WantedEntry[] = [];
  for (const w of wanted) {
    const e = existing.find((x) => !matched.has(x) && key(x) === key(w));
    if (!e) {
      unmatched.push(w);
      continue;
    }
    matched.add(e);
    if (e.label !== w.label) plan.update.push({ from: e, to: w });
  }
  // Entries with the same value as a kept one are duplicates the projection collapsed: leave them.
  const keptKeys = new Set([...matched].map(key));
  const spare = existing.filter((x) => !matched.has(x) && !keptKeys.has(key(x)));
  for (const w of unmatched) {
    const i = spare.findIndex((x) => x.group === w.group);
    const from = i >= 0 ? spare.splice(i, 1)[0] : undefined;
    if (from) plan.update.push({ from, to: w });
    else plan.create.push(w);
  }
  plan.remove.push(...spare);
  return plan;
};
