import type { FieldKey } from './canonical.ts';
import type { ConflictStatus } from './conflicts.ts';

/** How a field conflict is settled. */
export type ConflictPolicy =
  /** The value of the first connection in the list wins; `fields` overrides the order per field. */
  | { kind: 'priority'; order: readonly string[]; fields?: Partial<Record<FieldKey, readonly string[]>> }
  /** The newest change wins where every candidate carries a timestamp; else `fallback` priority order. */
  | { kind: 'newest'; fallback?: readonly string[] }
  /** Keep the canonical value, write nothing for the field, leave the conflict open for review. */
  | { kind: 'hold' };

/** A connection backing one candidate value; `updatedAt` only where the provider has timestamps. */
interface Voter {
  connectionId: string;
  updatedAt: string | null;
}

export interface Candidate {
  voters: readonly Voter[];
  /** Stable text of the value, for the last deterministic tie-break. */
  sortKey: string;
}

export interface Choice {
  /** Index into the candidates, or null: keep the canonical value (hold). */
  index: number | null;
  rule: string;
  status: ConflictStatus;
}

const rankIn = (order: readonly string[], c: Candidate): [number, string] => {
  let best = Number.POSITIVE_INFINITY;
  let bestId = '\uffff';
  for (const v of c.voters) {
    const i = order.indexOf(v.connectionId);
    const r = i < 0 ? order.length : i;
    if (r < best || (r === best && v.connectionId < bestId)) {
      best = r;
      bestId = v.connectionId;
    }
  }
  return [best, bestId];
};

/** Deterministic whatever the order of the candidates: rank, then connection id, then value. */
const byPriority = (order: readonly string[], cands: readonly Candidate[]): number => {
  let bestI = 0;
  let best: [number, string, string] = [Number.POSITIVE_INFINITY, '\uffff', '\uffff'];
  cands.forEach((c, i) => {
    const [r, id] = rankIn(order, c);
    const k: [number, string, string] = [r, id, c.sortKey];
    if (k[0] < best[0] || (k[0] === best[0] && (k[1] < best[1] || (k[1] === best[1] && k[2] < best[2])))) {
      best = k;
      bestI = i;
    }
  });
  return bestI;
};

const newestOf = (c: Candidate): string | null => {
  let max: string | null = null;
  for (const v of c.voters) if (v.updatedAt !== null && (max === null || v.updatedAt > max)) max = v.updatedAt;
  return max;
};

export const chooseByPolicy = (policy: ConflictPolicy, field: FieldKey, cands: readonly Candidate[]): Choice => {
  switch (policy.kind) {
    case 'hold':
      return { index: null, rule: 'hold policy: kept the last agreed value, waiting for review', status: 'open' };
    case 'priority': {
      const order = policy.fields?.[field] ?? policy.order;
      const i = byPriority(order, cands);
      const winner = rankIn(order, cands[i]!)[1];
      const per = policy.fields?.[field] ? `per-field priority for ${field}` : 'connection priority';
      return { index: i, rule: `${per}: ${winner} ranks first of [${order.join(', ')}]`, status: 'auto-resolved' };
    }
    case 'newest': {
      const stamps = cands.map(newestOf);
      if (stamps.every((s) => s !== null)) {
        let bestI = 0;
        for (let i = 1; i < stamps.length; i++) if (stamps[i]! > stamps[bestI]!) bestI = i;
        const tie = stamps.filter((s) => s === stamps[bestI]).length > 1;
        if (!tie) return { index: bestI, rule: `newest change wins (${stamps[bestI]})`, status: 'auto-resolved' };
      }
      const order = policy.fallback ?? [];
      const i = byPriority(order, cands);
      return {
        index: i,
        rule: `newest: timestamps missing or tied, fell back to priority [${order.join(', ')}] then connection id (${rankIn(order, cands[i]!)[1]})`,
        status: 'auto-resolved',
      };
    }
  }
};

export interface MassDeleteGuardInput {
  /** Records the connection held before the pull (those the engine created there included). */
  total: number;
  /** Records the pull no longer saw. */
  vanished: number;
  /** Records the pull listed. */
  listed: number;
  /** Largest share (0..1) of records that may vanish in one pull before its deletes are held. */
  threshold: number;
}

/**
 * Holds every delete of a pull that lost more than `threshold` of a connection's records, and
 * of a pull that listed nothing of a connection that held records, whatever the threshold:
 * an empty or truncated list must never wipe the other providers. No minimum count spares a
 * small account — 3 of 3 records vanishing is the worst case, not noise.
 */
export const massDeleteGuard = ({
  total,
  vanished,
  listed,
  threshold,
}: MassDeleteGuardInput): { held: boolean; share: number } => {
  const share = total <= 0 ? (vanished > 0 ? 1 : 0) : Math.min(1, vanished / total);
  return { held: vanished > 0 && (listed === 0 || share > threshold), share };
};
