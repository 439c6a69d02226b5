import type { Canonical, FieldKey, ScalarField, SetEntry, SetField } from './canonical.ts';
import { SCALAR_FIELDS } from './canonical.ts';
import type { LedgerValue } from './ledger.ts';
import type { Resolution } from './resolve.ts';

/**
 * Undo of a run, decided per cell: a cell goes back to its value before the run only if
 * nothing changed it since (no later ledger entry, and the canonical record still holds what
 * the run left); a cell changed since is not overwritten but handed to an admin as a conflict.
 */

export interface RunCellChange {
  field: FieldKey;
  key: string | null;
  /** The cell before the run's first change of it. */
  old: LedgerValue;
  /** What the run's last change of it left. */
  new: LedgerValue;
}

interface UndoConflict extends RunCellChange {
  /** What the cell holds now. */
  now: LedgerValue;
}

export interface UndoPlan {
  reverts: Resolution[];
  conflicts: UndoConflict[];
}

export const cellId = (field: FieldKey, key: string | null): string => `${field}\u0000${key ?? ''}`;

/** The run's changes of one person, ordered oldest first: first old and last new per cell. */
export const runCells = (entries: readonly RunCellChange[]): RunCellChange[] => {
  const m = new Map<string, RunCellChange>();
  for (const e of entries) {
    const id = cellId(e.field, e.key);
    const had = m.get(id);
    m.set(id, had ? { ...had, new: e.new } : { ...e });
  }
  return [...m.values()];
};

const isScalar = (f: FieldKey): f is ScalarField => (SCALAR_FIELDS as readonly string[]).includes(f);

const currentCell = (canonical: Canonical, field: FieldKey, key: string | null): LedgerValue => {
  if (isScalar(field)) return canonical[field] ?? null;
  return (canonical[field as SetField] ?? []).find((e) => e.value === key) ?? null;
};

const sameValue = (a: LedgerValue, b: LedgerValue): boolean => {
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return a === b;
  return a.value === b.value && (a.label ?? null) === (b.label ?? null);
};

export const planUndo = (
  cells: readonly RunCellChange[],
  canonical: Canonical,
  /** Cells of this person the ledger shows changed after the run. */
  changedSince: ReadonlySet<string>,
): UndoPlan => {
  const plan: UndoPlan = { reverts: [], conflicts: [] };
  for (const c of cells) {
    const now = currentCell(canonical, c.field, c.key);
    if (sameValue(now, c.old)) continue; // already back
    if (changedSince.has(cellId(c.field, c.key)) || !sameValue(now, c.new)) {
      plan.conflicts.push({ ...c, now });
      continue;
    }
    if (isScalar(c.field)) plan.reverts.push({ field: c.field, value: (c.old as string | null) ?? null });
    else plan.reverts.push({ field: c.field as SetField, key: c.key!, entry: (c.old as SetEntry | null) ?? null });
  }
  // Names first: a display name made of them follows, then its own revert (if any) sets it exactly.
  plan.reverts.sort((a, b) => Number(a.field === 'displayName') - Number(b.field === 'displayName'));
  return plan;
};
