import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Canonical, Projection } from './canonical.ts';
import type { ConflictEntry } from './conflicts.ts';
import { normalizeEmail } from './normalize.ts';

/**
 * Matching an unlinked provider record to a canonical person: by normalized email, then by
 * normalized phone. Exactly one candidate links; several are an ambiguous match for review,
 * never a guess; none makes a new canonical record.
 */

export interface MatchKeys {
  emails: string[];
  phones: string[];
}

/**
 * The keys the pipeline looks candidates up by: normalized emails, and phones by their national
 * digits, so that one number held in E.164 by one record and without its country code by another
 * ("+1 646 428 5059", "(646) 428-5059") still finds its person.
 */
export const matchKeys = (p: Projection): MatchKeys => ({
  emails: [...new Set((p.emails ?? []).map((e) => normalizeEmail(e.value)).filter((v) => v !== ''))].sort(),
  phones: [...new Set((p.phones ?? []).map((e) => phoneMatchKey(e.value)).filter((v) => v !== ''))].sort(),
});

const nationalCache = new Map<string, string>();
/** E.164 → its national significant number; bare digits → without the trunk prefix (leading zeros). */
export const phoneMatchKey = (value: string): string => {
  const v = value.trim();
  if (!v.startsWith('+')) return /^\d+$/.test(v) ? v.replace(/^0+/, '') : v;
  let key = nationalCache.get(v);
  if (key === undefined) {
    let parsed: ReturnType<typeof parsePhoneNumberFromString>;
    try {
      parsed = parsePhoneNumberFromString(v);
    } catch {
      parsed = undefined;
    }
    key = parsed ? String(parsed.nationalNumber) : v;
    if (nationalCache.size > 50_000) nationalCache.clear();
    nationalCache.set(v, key);
  }
  return key;
};

export interface MatchCandidate {
  canonicalId: string;
  canonical: Canonical;
  /** Connections this person already has a record linked in. */
  linkedConnections: readonly string[];
}

export interface MatchInput {
  connectionId: string;
  externalId: string;
  projection: Projection;
  updatedAt: string | null;
}

export type MatchResult =
  | { kind: 'link'; canonicalId: string; by: 'email' | 'phone' }
  | { kind: 'new' }
  | { kind: 'conflict'; conflict: ConflictEntry };

const hits = (candidates: readonly MatchCandidate[], field: 'emails' | 'phones', keys: string[]): MatchCandidate[] => {
  if (keys.length === 0) return [];
  const keyOf = field === 'emails' ? (v: string) => v : phoneMatchKey;
  const out = candidates.filter((c) => c.canonical[field].some((e) => keys.includes(keyOf(e.value))));
  return out.sort((a, b) => (a.canonicalId < b.canonicalId ? -1 : 1));
};

const conflict = (
  kind: 'ambiguous-match' | 'duplicate-in-provider',
  rec: MatchInput,
  by: string,
  ids: string[],
  rule: string,
): ConflictEntry => ({
  kind,
  canonicalId: ids.length === 1 ? ids[0]! : null,
  field: by === 'email' ? 'emails' : 'phones',
  key: null,
  base: null,
  sides: [{ connectionId: rec.connectionId, externalId: rec.externalId, value: by, updatedAt: rec.updatedAt }],
  chosen: null,
  rule,
  status: 'open',
  candidates: ids,
});

export const matchRecord = (rec: MatchInput, candidates: readonly MatchCandidate[]): MatchResult => {
  const keys = matchKeys(rec.projection);
  for (const by of ['email', 'phone'] as const) {
    const found = hits(candidates, by === 'email' ? 'emails' : 'phones', by === 'email' ? keys.emails : keys.phones);
    if (found.length === 0) continue;
    const ids = found.map((c) => c.canonicalId);
    if (found.length > 1) {
      return {
        kind: 'conflict',
        conflict: conflict(
          'ambiguous-match',
          rec,
          by,
          ids,
          `matches ${found.length} people by ${by}: needs a decision`,
        ),
      };
    }
    const only = found[0]!;
    if (only.linkedConnections.includes(rec.connectionId)) {
      // The provider holds two records for one person (a split or a duplicate): ask, don't guess.
      return {
        kind: 'conflict',
        conflict: conflict(
          'duplicate-in-provider',
          rec,
          by,
          ids,
          `matches by ${by} a person already linked to another record of ${rec.connectionId}: link as a new person or merge?`,
        ),
      };
    }
    return { kind: 'link', canonicalId: only.canonicalId, by };
  }
  return { kind: 'new' };
};
