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

/**
 * One number: the same E.164, or the same national digits where either side lacks its country
 * code. Two E.164 numbers of different countries are never one, though their national digits may
 * agree (+49 30 3008082 and +81 3 0300 8082).
 */
export const samePhone = (a: string, b: string): boolean =>
  a === b || (!(a.startsWith('+') && b.startsWith('+')) && phoneMatchKey(a) === phoneMatchKey(b));

const hits = (candidates: readonly MatchCandidate[], field: 'emails' | 'phones', rec: Projection): MatchCandidate[] => {
  let out: MatchCandidate[];
  if (field === 'emails') {
    const keys = matchKeys(rec).emails;
    if (keys.length === 0) return [];
    out = candidates.filter((c) => c.canonical.emails.some((e) => keys.includes(e.value)));
  } else {
    const mine = (rec.phones ?? []).map((e) => e.value.trim()).filter((v) => v !== '');
    if (mine.length === 0) return [];
    out = candidates.filter((c) => c.canonical.phones.some((e) => mine.some((v) => samePhone(v, e.value.trim()))));
  }
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
  for (const by of ['email', 'phone'] as const) {
    const found = hits(candidates, by === 'email' ? 'emails' : 'phones', rec.projection);
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
