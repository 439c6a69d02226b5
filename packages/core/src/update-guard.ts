import type { FieldKey } from './canonical.ts';

/** When one reconcile changes too many of a connection's records in one field. */
export interface UpdateGuardLimits {
  /** Largest share (0..1) of a connection's records one field may change in in one reconcile pass. */
  share: number;
  /** Fewer changed records than this never hold (a small account editing a few people is not a blast). */
  minimum: number;
}

export const DEFAULT_UPDATE_GUARD: UpdateGuardLimits = { share: 0.2, minimum: 10 };

export interface UpdateGuardInput {
  /** Records of the connection changed in this field by the pass (an update of an agreed record). */
  changed: number;
  /** Records the connection holds. */
  total: number;
  limits: UpdateGuardLimits;
}

/**
 * Holds a field's updates to a connection when they would change more than `share` of its
 * records and at least `minimum` of them. Unlike deletes (held at any size: 3 of 3 vanishing is
 * the worst case), an update is recoverable and small accounts edit a handful of people at once
 * all the time, so a minimum count applies. An empty account (total 0) counts as changed whole.
 */
export const updateGuard = ({ changed, total, limits }: UpdateGuardInput): { held: boolean; share: number } => {
  const share = total <= 0 ? (changed > 0 ? 1 : 0) : Math.min(1, changed / total);
  return { held: changed > 0 && changed >= limits.minimum && share > limits.share, share };
};

/** One update a reconcile would write: to which connection, changing which fields. */
export interface GuardedUpdate {
  connectionId: string;
  changed: readonly FieldKey[];
  /** Whether the record had agreed with the person before (a first sync's fill-in is not a blast). */
  agreed: boolean;
}

export interface TrippedField {
  connectionId: string;
  field: FieldKey;
  changed: number;
  total: number;
  share: number;
}

/**
 * Counts a pass's updates per connection and field (on top of `counted`, what earlier batches of
 * the same pass changed) and returns the (connection, field) pairs whose updates must be held.
 * Deterministic: sorted by connection, then field.
 */
export function trippedFields(
  updates: readonly GuardedUpdate[],
  totals: ReadonlyMap<string, number>,
  limitsOf: (connectionId: string) => UpdateGuardLimits,
  counted: ReadonlyMap<string, number> = new Map(),
): TrippedField[] {
  const counts = new Map<string, { connectionId: string; field: FieldKey; n: number }>();
  for (const u of updates) {
    if (!u.agreed) continue;
    for (const field of new Set(u.changed)) {
      const key = guardKey(u.connectionId, field);
      const c = counts.get(key) ?? { connectionId: u.connectionId, field, n: counted.get(key) ?? 0 };
      c.n++;
      counts.set(key, c);
    }
  }
  const out: TrippedField[] = [];
  for (const c of counts.values()) {
    const total = totals.get(c.connectionId) ?? 0;
    const g = updateGuard({ changed: c.n, total, limits: limitsOf(c.connectionId) });
    if (g.held) out.push({ connectionId: c.connectionId, field: c.field, changed: c.n, total, share: g.share });
  }
  return out.sort((a, b) =>
    a.connectionId === b.connectionId ? (a.field < b.field ? -1 : 1) : a.connectionId < b.connectionId ? -1 : 1,
  );
}

/** Key of a (connection, field) pair in the pass counters. */
export const guardKey = (connectionId: string, field: string): string => `${connectionId}\u0000${field}`;
