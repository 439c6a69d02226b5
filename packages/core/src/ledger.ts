import {
  type Canonical,
  emptyCanonical,
  type FieldKey,
  type Projection,
  SCALAR_FIELDS,
  SET_FIELDS,
  type SetEntry,
} from './canonical.ts';
import type { ConflictPolicy } from './policies.ts';
import type { ReconcileInput, ReconcileResult } from './types.ts';

/**
 * The change ledger's pure half: what changed in a canonical record (per scalar field, per set
 * entry keyed by its normalized value) and why. The store appends these rows in the same
 * transaction as the canonical change.
 */

/** A scalar's value, or one set entry (null = absent). */
export type LedgerValue = string | SetEntry | null;

export type LedgerCause =
  /** A provider's record changed (or, with no base yet, proposed) the value. */
  | { kind: 'provider'; connectionId: string; externalId: string }
  /** Several sides disagreed: a conflict rule chose (or held) the value. */
  | { kind: 'conflict'; policy: ConflictPolicy['kind']; rule: string; status: string }
  /** A decision by hand; `decision` names it for `undo --decision` (a conflict's or held change set's id). */
  | { kind: 'admin'; by: string | null; action: string; decision?: string }
  /** The compensating change of an undo: of a run, or of one decision (then `runId` is null). */
  | { kind: 'undo'; runId: string | null; decision?: string; by: string | null }
  /** The engine itself: a display name following the names, a person deleted everywhere. */
  | { kind: 'engine'; rule: string };

export interface FieldChange {
  field: FieldKey;
  /** For set fields: the entry's normalized value; null for scalars. */
  key: string | null;
  old: LedgerValue;
  new: LedgerValue;
}

export interface LedgerEntry extends FieldChange {
  canonicalId: string;
  cause: LedgerCause;
}

const sameEntry = (a: SetEntry, b: SetEntry): boolean =>
  a.value === b.value && (a.label ?? null) === (b.label ?? null) && (a.raw ?? null) === (b.raw ?? null);

/** Per-field differences of two canonical records (null = no record: every field empty). */
export const diffCanonical = (before: Canonical | null, after: Canonical | null): FieldChange[] => {
  const a = before ?? emptyCanonical();
  const b = after ?? emptyCanonical();
  const out: FieldChange[] = [];
  for (const f of SCALAR_FIELDS) {
    const o = a[f] ?? null;
    const n = b[f] ?? null;
    if (o !== n) out.push({ field: f, key: null, old: o, new: n });
  }
  for (const f of SET_FIELDS) {
    const olds = new Map((a[f] ?? []).map((e) => [e.value, e]));
    const news = new Map((b[f] ?? []).map((e) => [e.value, e]));
    for (const [key, o] of olds) {
      const n = news.get(key);
      if (!n) out.push({ field: f, key, old: o, new: null });
      else if (!sameEntry(o, n)) out.push({ field: f, key, old: o, new: n });
    }
    for (const [key, n] of news) if (!olds.has(key)) out.push({ field: f, key, old: null, new: n });
  }
  return out;
};

/** A cell as the merge sees it: a scalar's value, a set entry's label ('' = none), null = absent. */
const cellOf = (p: Projection | null | undefined, field: FieldKey, key: string | null): string | null | undefined => {
  if (!p || !(field in p)) return undefined;
  if (key === null) return (p[field] as string | null | undefined) ?? null;
  const e = (p[field] as SetEntry[] | undefined)?.find((x) => x.value === key);
  return e ? (e.label ?? '') : null;
};

const valueCell = (v: LedgerValue): string | null => (v === null ? null : typeof v === 'string' ? v : (v.label ?? ''));

const NAME_FIELDS: readonly FieldKey[] = ['givenName', 'middleName', 'familyName'];

/**
 * The ledger entries of one reconciled person: the diff of the stored canonical record against
 * the merge's result, each with the cause the merge's inputs show — a field conflict on the cell
 * names its rule; otherwise the first side (in connection order) whose record moved the cell to
 * the new value; a display name with no such side follows the names' cause.
 */
export const ledgerEntries = (
  before: Canonical | null,
  input: ReconcileInput,
  result: ReconcileResult,
  policy: ConflictPolicy,
): LedgerEntry[] => {
  const changes = diffCanonical(before, result.canonical);
  if (changes.length === 0) return [];
  const { canonicalId } = input;
  if (result.canonical === null)
    return changes.map((c) => ({ ...c, canonicalId, cause: { kind: 'engine', rule: 'deleted everywhere' } }));
  const conflictOf = new Map<string, ReconcileResult['conflicts'][number]>();
  for (const c of result.conflicts)
    if (c.kind === 'field' && c.field) conflictOf.set(`${c.field}\u0000${c.key ?? ''}`, c);
  const sides = [...input.sides]
    .filter((s) => s.current !== null)
    .sort((x, y) => (x.connectionId < y.connectionId ? -1 : x.connectionId > y.connectionId ? 1 : 0))
    // Mappers hand over normalized projections (the core's contract); a cell compared here that
    // is not would only fall back to the engine as cause, so no second normalization pass.
    .map((s) => ({ s, current: s.current!, base: s.base }));
  const entries: LedgerEntry[] = [];
  for (const c of changes) {
    const conflict = conflictOf.get(`${c.field}\u0000${c.key ?? ''}`);
    let cause: LedgerCause | null = null;
    if (conflict) cause = { kind: 'conflict', policy: policy.kind, rule: conflict.rule, status: conflict.status };
    else {
      const target = valueCell(c.new);
      for (const { s, current, base } of sides) {
        const cur = cellOf(current, c.field, c.key);
        if (cur === undefined || cur !== target) continue;
        const was = base ? cellOf(base, c.field, c.key) : undefined;
        if (was === cur) continue;
        cause = { kind: 'provider', connectionId: s.connectionId, externalId: s.externalId };
        break;
      }
    }
    entries.push({ ...c, canonicalId, cause: cause ?? { kind: 'engine', rule: 'merge' } });
  }
  // A display name made of the names follows them: it takes their cause.
  const display = entries.find((e) => e.field === 'displayName' && e.cause.kind === 'engine');
  const name = entries.find((e) => NAME_FIELDS.includes(e.field) && e.cause.kind !== 'engine');
  if (display && name) display.cause = name.cause;
  return entries;
};
