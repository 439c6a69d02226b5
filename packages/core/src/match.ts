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
const phoneMatchKey = (value: string): string => {
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

/** A name folded for comparison: case, accents, punctuation and spacing do not count. */
const foldName = (v: string | null | undefined): string =>
  (v ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

const nameForms = (p: Projection): Set<string> => {
  const given = foldName(p.givenName);
  const family = foldName(p.familyName);
  const forms = [
    foldName(p.displayName),
    given && family ? `${given} ${family}` : '',
    given && family ? `${family} ${given}` : '',
  ];
  return new Set(forms.filter((f) => f !== ''));
};

/**
 * Whether a record may be the same person as a candidate by name: true when either side has no
 * name to compare, or some form of the names agrees (given + family either way, display name).
 */
const mayBeSamePerson = (rec: Projection, person: Projection): boolean => {
  const a = nameForms(rec);
  const b = nameForms(person);
  if (a.size === 0 || b.size === 0) return true;
  for (const f of a) if (b.has(f)) return true;
  return false;
};

/**
 * Links only when every key of the record that finds anyone points at the same one person:
 * an e-mail or phone held by several people (a family landline, a shared office address), or an
 * e-mail and a phone pointing at different people, is an ambiguous match — linked to nobody,
 * nothing written, until an admin decides. A second record of one provider that shares only a
 * phone with a person linked there and carries another name is another person who shares the
 * number (two members of a household), not a duplicate: it becomes a person of its own, and
 * the number is then held by two people.
 */
export const matchRecord = (rec: MatchInput, candidates: readonly MatchCandidate[]): MatchResult => {
  const byEmail = hits(candidates, 'emails', rec.projection);
  const byPhone = hits(candidates, 'phones', rec.projection);
  const ambiguous = (by: 'email' | 'phone', found: MatchCandidate[], rule: string): MatchResult => ({
    kind: 'conflict',
    conflict: conflict(
      'ambiguous-match',
      rec,
      by,
      found.map((c) => c.canonicalId),
      rule,
    ),
  });
  if (byEmail.length > 1)
    return ambiguous('email', byEmail, `matches ${byEmail.length} people by email: needs a decision`);
  if (byEmail.length === 1) {
    const only = byEmail[0]!;
    // Each number that finds anyone must find this person too (a number they share with others is
    // no contradiction; a number only someone else holds is).
    const contradicting = (rec.projection.phones ?? []).flatMap((entry) => {
      const holders = byPhone.filter((c) =>
        c.canonical.phones.some((e) => samePhone(entry.value.trim(), e.value.trim())),
      );
      return holders.length > 0 && !holders.includes(only) ? holders : [];
    });
    if (contradicting.length > 0) {
      const ids = [...new Map([only, ...contradicting].map((c) => [c.canonicalId, c])).values()].sort((a, b) =>
        a.canonicalId < b.canonicalId ? -1 : 1,
      );
      return ambiguous('email', ids, 'its email and its phone point at different people: needs a decision');
    }
    return linkOrDuplicate(rec, only, 'email');
  }
  if (byPhone.length > 1)
    return ambiguous('phone', byPhone, `matches ${byPhone.length} people by phone: needs a decision`);
  if (byPhone.length === 1) {
    const only = byPhone[0]!;
    if (only.linkedConnections.includes(rec.connectionId) && !mayBeSamePerson(rec.projection, only.canonical))
      return { kind: 'new' };
    return linkOrDuplicate(rec, only, 'phone');
  }
  return { kind: 'new' };
};

const linkOrDuplicate = (rec: MatchInput, only: MatchCandidate, by: 'email' | 'phone'): MatchResult => {
  if (only.linkedConnections.includes(rec.connectionId)) {
    // The provider holds two records for one person (a split or a duplicate): ask, don't guess.
    return {
      kind: 'conflict',
      conflict: conflict(
        'duplicate-in-provider',
        rec,
        by,
        [only.canonicalId],
        `matches by ${by} a person already linked to another record of ${rec.connectionId}: link as a new person or merge?`,
      ),
    };
  }
  return { kind: 'link', canonicalId: only.canonicalId, by };
};
