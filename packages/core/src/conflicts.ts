import type { FieldKey, SetEntry } from './canonical.ts';

/**
 * Conflict entries, shaped for the admin surfaces as they are: every side's value, the
 * base, the value chosen and the rule that chose it.
 */

type ConflictKind =
  | 'field' // two or more sides changed a field (or one set entry) differently
  | 'ambiguous-match' // an unlinked record matches several canonical records
  | 'duplicate-in-provider' // an unlinked record matches a person already linked in the same connection
  | 'delete-vs-edit'; // deleted on one side, edited on another since the base

export type ConflictStatus = 'auto-resolved' | 'open';

/** A scalar value, one set entry (`null` = absent), or for record-level kinds a summary. */
export type ConflictValue = string | SetEntry | null;

interface ConflictSide {
  connectionId: string;
  externalId: string | null;
  value: ConflictValue;
  updatedAt: string | null;
}

export interface ConflictEntry {
  kind: ConflictKind;
  /** null for an ambiguous match of a record that has no canonical record yet. */
  canonicalId: string | null;
  /** null for record-level kinds. */
  field: FieldKey | null;
  /** For set fields: the normalized value keying the entry in conflict. */
  key: string | null;
  /** The last agreed (canonical) value. */
  base: ConflictValue;
  sides: ConflictSide[];
  chosen: ConflictValue;
  /** Human-readable: why `chosen` was chosen, or why it waits for review. */
  rule: string;
  status: ConflictStatus;
  /** For matching conflicts: the candidate canonical ids. */
  candidates?: string[];
}

/** A stable identity for deduplicating the same conflict across reconciles. */
export const conflictKey = (c: ConflictEntry): string =>
  [c.kind, c.canonicalId ?? '', c.field ?? '', c.key ?? '', ...(c.candidates ?? [])].join('\u0000');
