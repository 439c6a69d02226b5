import type { Canonical, Projection, ScalarField, SetEntry, SetField } from './canonical.ts';
import { SCALAR_FIELDS, SET_FIELDS } from './canonical.ts';
import { followNames } from './merge.ts';
import { normalizeProjection, normalizeSetEntries } from './normalize.ts';
import { idempotencyKey } from './plan.ts';
import { reconcileRecord } from './reconcile.ts';
import type { LinkChange, PlannedOp, ReconcileContext, ReconcileInput, ReconcileResult, SideState } from './types.ts';

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
  const before = input.canonical ?? emptyOf();
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

const emptyOf = (): Canonical => ({
  givenName: null,
  middleName: null,
  familyName: null,
  displayName: null,
  organization: null,
  title: null,
  avatarUrl: null,
  emails: [],
  phones: [],
  websites: [],
  chats: [],
});

/** The union of two records: `keep`'s scalars and labels win, the absorbed record fills the gaps. */
export const unionCanonical = (keep: Canonical, absorb: Canonical): Canonical => {
  const out: Canonical = { ...keep };
  for (const f of SCALAR_FIELDS) out[f] = keep[f] ?? absorb[f];
  for (const f of SET_FIELDS) out[f] = normalizeSetEntries(f, [...keep[f], ...absorb[f]]);
  return out;
};

/**
 * An admin decision that two canonical records are one person: `absorb` is folded into `keep`.
 * Where both had a record in the same connection, the absorbed one is a duplicate there: it is
 * deleted (or detached where the engine may not delete), its values living on in the merged record.
 */
export const planCanonicalMerge = (
  keep: ReconcileInput,
  absorb: ReconcileInput,
  ctx: ReconcileContext,
): ReconcileResult & { retiredCanonicalId: string } => {
  const keepConns = new Set(keep.sides.map((s) => s.connectionId));
  const moved = absorb.sides.filter((s) => !keepConns.has(s.connectionId));
  const dupes = absorb.sides.filter((s) => keepConns.has(s.connectionId));
  const canonical = unionCanonical(keep.canonical ?? emptyOf(), absorb.canonical ?? emptyOf());
  const res = reconcileRecord(
    {
      canonicalId: keep.canonicalId,
      canonical,
      sides: [...keep.sides, ...moved],
      detached: [...new Set([...(keep.detached ?? []), ...(absorb.detached ?? [])])],
    },
    ctx,
  );
  const ops: PlannedOp[] = [...res.ops];
  const links: LinkChange[] = [...res.links];
  const report = [...res.report];
  for (const d of dupes) {
    const conn = ctx.connections.find((c) => c.id === d.connectionId);
    const at = {
      canonicalId: keep.canonicalId,
      connectionId: d.connectionId,
      externalId: d.externalId,
      field: null,
      value: null,
    };
    if (conn && d.current !== null && conn.direction !== 'pull' && conn.capabilities.canDelete) {
      ops.push({
        connectionId: d.connectionId,
        canonicalId: keep.canonicalId,
        kind: 'delete',
        externalId: d.externalId,
        target: null,
        changed: [],
        baseAfter: null,
        idempotencyKey: idempotencyKey(d.connectionId, keep.canonicalId, 'delete', null, d.externalId),
      });
      report.push({
        kind: 'admin-merge',
        ...at,
        message: `duplicate of the merged person here: deleted (from ${absorb.canonicalId})`,
      });
    } else {
      links.push({ kind: 'detach', connectionId: d.connectionId, externalId: d.externalId });
      report.push({
        kind: 'admin-merge',
        ...at,
        message: `duplicate of the merged person here: detached, not deleted (from ${absorb.canonicalId})`,
      });
    }
  }
  ops.sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0));
  return { ...res, ops, links, report, retiredCanonicalId: absorb.canonicalId };
};
