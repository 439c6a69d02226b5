import { type Canonical, FIELDS, type FieldKey, type Projection } from './canonical.ts';
import { fieldEqual } from './normalize.ts';
import { expectedProjection } from './plan.ts';
import type { ConnectionPolicy } from './types.ts';

/**
 * Why a provider does not hold the canonical value of a field: the pure half of `explain`.
 * The worker gathers what it knows of the record (ops, conflicts, quarantine, reports); this
 * names the reason, the most decisive first.
 */

type GapReason =
  | 'not-in-capabilities' // the provider has no such field
  | 'read-only' // it has the field, the engine never writes it
  | 'omitted' // its rules leave this value out (limits, invalid by its rules)
  | 'quarantined' // the record fails validation: nothing is written to it until it validates
  | 'rejected' // the last write of the field failed permanently
  | 'waiting' // a write of the field is pending or in flight
  | 'held' // an open conflict holds the field for review
  | 'unplanned'; // nothing explains it yet: the next reconcile plans a write

export interface FieldGap {
  field: FieldKey;
  /** What the provider should hold (null: nothing it can hold). */
  expected: unknown;
  /** What it holds now (undefined: not held). */
  holds: unknown;
  reason: GapReason;
  detail: string | null;
}

export interface RecordSignals {
  quarantined: boolean;
  /** Fields with a pending or in-flight write. */
  pending: ReadonlySet<FieldKey>;
  /** Fields whose last write failed, with the provider's message. */
  failed: ReadonlyMap<FieldKey, string>;
  /** Fields with an open conflict. */
  held: ReadonlySet<FieldKey>;
}

const isEmpty = (v: unknown): boolean => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

export const explainFields = (
  conn: ConnectionPolicy,
  canonical: Canonical,
  current: Projection | null,
  signals: RecordSignals,
): FieldGap[] => {
  const caps = conn.capabilities;
  const writable = new Set(caps.fields);
  const readOnly = new Set(caps.readOnlyFields);
  const { omitted } = caps.project(canonical);
  const expected = expectedProjection(caps, canonical, current);
  const gaps: FieldGap[] = [];
  for (const f of FIELDS) {
    const holds = current?.[f];
    if (!writable.has(f) && !readOnly.has(f)) {
      if (!isEmpty(canonical[f]))
        gaps.push({
          field: f,
          expected: null,
          holds,
          reason: 'not-in-capabilities',
          detail: `${caps.provider} has no ${f}`,
        });
      continue;
    }
    if (readOnly.has(f)) {
      if (current && !fieldEqual({ [f]: canonical[f] }, current, f))
        gaps.push({
          field: f,
          expected: canonical[f],
          holds,
          reason: 'read-only',
          detail: 'never written by the engine',
        });
      continue;
    }
    const omission = omitted.find((o) => o.field === f);
    const differs = !current || !fieldEqual(expected, current, f);
    if (!differs && !omission) continue;
    let reason: GapReason;
    let detail: string | null = null;
    if (signals.quarantined) reason = 'quarantined';
    else if (signals.failed.has(f)) {
      reason = 'rejected';
      detail = signals.failed.get(f)!;
    } else if (signals.pending.has(f)) reason = 'waiting';
    else if (signals.held.has(f)) reason = 'held';
    else if (omission) {
      reason = 'omitted';
      detail = `${omission.value ?? ''}: ${omission.reason}`.replace(/^: /, '');
    } else reason = 'unplanned';
    gaps.push({ field: f, expected: expected[f] ?? null, holds, reason, detail });
  }
  return gaps;
};
