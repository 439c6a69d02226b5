import type { Canonical, Projection } from './canonical.ts';
import { emptyCanonical } from './canonical.ts';
import type { ConflictEntry } from './conflicts.ts';
import { type MatchCandidate, type MatchInput, matchKeys, matchRecord } from './match.ts';

/**
 * Matching a whole reconcile batch of unlinked records at once: the same rules as
 * `matchRecord`, applied in an order that makes the result independent of the order the
 * providers were pulled in, with the people made earlier in the batch as candidates for the
 * rest (the same person pulled from two providers at once becomes one person).
 */

export interface BatchPerson {
  canonicalId: string;
  canonical: Canonical;
  /** Connections this person already has a record linked in. */
  linkedConnections: readonly string[];
}

export interface BatchMatch<R extends MatchInput> {
  /** Records to link, per person (known or new). */
  links: Map<string, R[]>;
  /** Ids of the people made in this batch. */
  fresh: Set<string>;
  /** Records matched to nobody because matching could not decide; each a conflict for review. */
  conflicts: { record: R; conflict: ConflictEntry }[];
}

/** Connection, then id in natural order ("9" before "10"): of a provider's duplicates, the older record first. */
const naturalOrder = new Intl.Collator('en', { numeric: true });
const byRecordId = (a: MatchInput, b: MatchInput): number =>
  a.connectionId < b.connectionId
    ? -1
    : a.connectionId > b.connectionId
      ? 1
      : naturalOrder.compare(a.externalId, b.externalId);

/**
 * Orders records so that those sharing an e-mail with more of the batch come first (stable within a
 * group size): the records of one person that agree on an address are matched together before a
 * record that shares only a phone with them (a provider's duplicate under another address), so
 * the duplicate is the one reported, not the one linked.
 */
const byEmailGroups = <R extends MatchInput>(records: readonly R[]): R[] => {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const emailsOf = records.map((r) => matchKeys(r.projection).emails);
  for (const emails of emailsOf) {
    for (const e of emails) if (!parent.has(e)) parent.set(e, e);
    for (const e of emails.slice(1)) parent.set(find(e), find(emails[0]!));
  }
  const size = new Map<string, number>();
  for (const emails of emailsOf) if (emails[0]) size.set(find(emails[0]), (size.get(find(emails[0])) ?? 0) + 1);
  const groupSize = emailsOf.map((emails) => (emails[0] ? size.get(find(emails[0]))! : 0));
  return records
    .map((record, i) => ({ record, i, n: groupSize[i]! }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => x.record);
};

const keysOf = (p: Projection): string[] => {
  const mk = matchKeys(p);
  return [...mk.emails.map((v) => `e:${v}`), ...mk.phones.map((v) => `p:${v}`)];
};

const asCanonical = (p: Projection): Canonical => ({
  ...emptyCanonical(),
  ...p,
  emails: p.emails ?? [],
  phones: p.phones ?? [],
});

const mergeForMatching = (c: Canonical, p: Projection): Canonical => ({
  ...c,
  emails: [...c.emails, ...(p.emails ?? [])],
  phones: [...c.phones, ...(p.phones ?? [])],
});

/**
 * Matches every record of a batch. Records are taken by connection and id, then e-mail groups
 * first (`byEmailGroups`); then in two rounds, batch-wide: first only what an e-mail decides (a
 * link, or an e-mail conflict), then the rest — so a record that shares the person's e-mail is
 * linked before one that only shares a phone with them (a provider's duplicate of the person
 * under another address), whatever their order. `newId` names the people made in the batch.
 */
export const matchBatch = <R extends MatchInput>(
  records: readonly R[],
  known: readonly BatchPerson[],
  newId: () => string,
): BatchMatch<R> => {
  const people = new Map<string, { canonical: Canonical; linked: Set<string> }>();
  const index = new Map<string, Set<string>>();
  const addKeys = (id: string, p: Projection) => {
    for (const key of keysOf(p)) {
      const set = index.get(key) ?? new Set<string>();
      set.add(id);
      index.set(key, set);
    }
  };
  for (const p of known) {
    people.set(p.canonicalId, { canonical: p.canonical, linked: new Set(p.linkedConnections) });
    addKeys(p.canonicalId, p.canonical);
  }

  const links = new Map<string, R[]>();
  const fresh = new Set<string>();
  const conflicts: BatchMatch<R>['conflicts'] = [];
  const place = (record: R, emailRound: boolean): boolean => {
    const ids = new Set<string>();
    for (const key of keysOf(record.projection)) for (const id of index.get(key) ?? []) ids.add(id);
    const candidates: MatchCandidate[] = [...ids].flatMap((id) => {
      const p = people.get(id);
      return p ? [{ canonicalId: id, canonical: p.canonical, linkedConnections: [...p.linked] }] : [];
    });
    const result = matchRecord(record, candidates);
    // First round: only what an e-mail decides (a link or an e-mail conflict); the rest waits.
    if (emailRound) {
      const byEmail =
        result.kind === 'link'
          ? result.by === 'email'
          : result.kind === 'conflict' && result.conflict.field === 'emails';
      if (!byEmail) return false;
    }
    if (result.kind === 'conflict') {
      conflicts.push({ record, conflict: result.conflict });
      return true;
    }
    const id = result.kind === 'link' ? result.canonicalId : newId();
    if (result.kind === 'new') {
      fresh.add(id);
      people.set(id, { canonical: asCanonical(record.projection), linked: new Set() });
    } else {
      // The matched person now also holds this record's values, for the next records' matching.
      const p = people.get(id)!;
      p.canonical = mergeForMatching(p.canonical, record.projection);
    }
    people.get(id)!.linked.add(record.connectionId);
    addKeys(id, record.projection);
    links.set(id, [...(links.get(id) ?? []), record]);
    return true;
  };
  const ordered = byEmailGroups([...records].sort(byRecordId));
  const waiting = ordered.filter((record) => !place(record, true));
  for (const record of waiting) place(record, false);
  return { links, fresh, conflicts };
};
