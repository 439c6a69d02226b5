/** The minimum-write model (from the seeded ground truth only) and the incremental edits. */
import type { ProviderKey, Sandbox, SeedPerson, SeedRecord } from '@contact-sync/simulators';

export const PROVIDERS: readonly ProviderKey[] = ['ilert', 'churchpad', 'nodeping', 'growcrm', 'r-service'];
/** Providers that hold a whole contact, which the engine creates for a person they lack. */
const FLAT: readonly ProviderKey[] = ['churchpad', 'growcrm', 'nodeping'];
/** Push concurrency per connection, used by the sync and by the raw HTTP loop alike. */
export const PUSH_CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// Minimum write calls, from the seeded ground truth only (no engine code).

export interface MinWrites {
  total: number;
  creates: Record<string, number>;
  updates: Record<string, number>;
  byProvider: Record<string, number>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const normName = (s: string | null | undefined) => (s ?? '').normalize('NFC').trim().replace(/\s+/g, ' ');
const fullName = (r: { givenName: string; familyName: string }) => `${normName(r.givenName)} ${normName(r.familyName)}`;

/**
 * The fewest write calls that bring the seeded providers into agreement, under this model:
 *
 * - **what counts**: what each provider actually holds of a seeded record — ChurchPad and Grow CRM
 *   one e-mail and one phone, ilert e-mails and phones, NodePing e-mails, phones and chats,
 *   R-Service e-mails, phones, websites and chats; invalid e-mails left out; phones as E.164
 *   whatever their notation; NodePing contacts of sub-accounts are invisible to the connection;
 *   a second record of the person in one provider (`duplicate`) is left for an admin to decide.
 * - **creates**: a person missing from a flat provider (ChurchPad, Grow CRM, NodePing) costs one
 *   create there (one call carries the whole contact), if the providers that hold the person carry
 *   what that provider requires to create (ChurchPad: given and family name, an email and a phone;
 *   Grow CRM: given and family name and an email; NodePing: a name). Given and family names come
 *   from ChurchPad, Grow CRM and ilert records; NodePing and R-Service only hold a display name.
 *   ilert users and R-Service people are never created (the engine syncs the contact methods of
 *   those that exist), so they cost nothing.
 * - **method-per-call providers** (ilert, R-Service): every value that some record of the person
 *   holds (the union) and this record lacks costs one POST.
 * - **NodePing** (one contact with a map of addresses): one update if the record lacks a union
 *   e-mail, phone or chat, or its name differs from the majority name.
 * - **ChurchPad, Grow CRM** (one email and one phone slot): one update if the name differs from
 *   the name most records of the person agree on (NFC, trimmed; so NFD and untrimmed quirks cost
 *   nothing), or the record has no (valid) e-mail or no phone while another record has one.
 *
 * Labels cost nothing: each provider's label vocabulary differs, and a label one provider cannot
 * express is not a disagreement. Limits: the union and the majority are the cheapest agreement; a
 * priority policy could pick another winner and write more (names and titles agree in the seed
 * but for NFD/whitespace quirks, so it does not happen there).
 */
export function minWriteCalls(people: readonly SeedPerson[], nodepingAccount?: string): MinWrites {
  const creates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  const updates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  for (const person of people) {
    const one = minWritesOf(person, nodepingAccount);
    for (const p of PROVIDERS) {
      creates[p]! += one.creates[p]!;
      updates[p]! += one.updates[p]!;
    }
  }
  const byProvider = Object.fromEntries(PROVIDERS.map((p) => [p, creates[p]! + updates[p]!]));
  const total = Object.values(byProvider).reduce((a, b) => a + b, 0);
  return { total, creates, updates, byProvider };
}

/** What a provider actually holds of a seeded record (the simulators' seeders decide it). */
interface Held {
  p: ProviderKey;
  r: SeedRecord;
  emails: string[];
  phones: string[];
  websites: string[];
  chats: string[];
}

/** NodePing contacts of a sub-account are invisible to a connection made for the primary account. */
const visible = (p: ProviderKey, r: SeedRecord, nodepingAccount: string | undefined): boolean =>
  p !== 'nodeping' || nodepingAccount === undefined || (r.externalId ?? '').startsWith(`${nodepingAccount}-`);

function heldOf(p: ProviderKey, r: SeedRecord): Held {
  const valid = (es: string[]) => es.filter((e) => EMAIL.test(e)).map((e) => e.toLowerCase());
  const all = r.emails.map((e) => e.value.trim());
  const emails = valid(all);
  const phones = r.phones.map((ph) => ph.e164);
  // ChurchPad and Grow CRM hold one e-mail and one phone; ilert users hold no websites or chats.
  if (p === 'churchpad' || p === 'growcrm')
    return { p, r, emails: valid(all.slice(0, 1)), phones: phones.slice(0, 1), websites: [], chats: [] };
  if (p === 'ilert') return { p, r, emails, phones, websites: [], chats: [] };
  if (p === 'nodeping') return { p, r, emails, phones, websites: [], chats: r.chats.map((c) => c.value) };
  return { p, r, emails, phones, websites: r.websites.map((w) => w.value), chats: r.chats.map((c) => c.value) };
}

/**
 * One person's share of `minWriteCalls`, per provider. `nodepingAccount`: the account the
 * connection reads (records of its sub-accounts are not seen, so not counted).
 */
export function minWritesOf(person: SeedPerson, nodepingAccount?: string): Pick<MinWrites, 'creates' | 'updates'> {
  const creates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  const updates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  // A second record of the person in one provider (the `duplicate` quirk) is reported for an
  // admin to decide, not synced: one record per provider counts.
  const recs: Held[] = PROVIDERS.flatMap((p) =>
    (person.records[p] ?? [])
      .filter((r) => visible(p, r, nodepingAccount))
      .slice(0, 1)
      .map((r) => heldOf(p, r)),
  );
  const emails = new Set(recs.flatMap((h) => h.emails));
  const phones = new Set(recs.flatMap((h) => h.phones));
  const websites = new Set(recs.flatMap((h) => h.websites));
  const chats = new Set(recs.flatMap((h) => h.chats));
  const names = new Map<string, number>();
  for (const { p, r } of recs) if (FLAT.includes(p)) names.set(fullName(r), (names.get(fullName(r)) ?? 0) + 1);
  const majority = [...names].sort((a, b) => b[1] - a[1])[0]?.[0];
  const has = (p: ProviderKey) => recs.some((h) => h.p === p);
  const structuredName = has('churchpad') || has('growcrm') || has('ilert');
  const canCreate: Record<string, boolean> = {
    churchpad: structuredName && emails.size > 0 && phones.size > 0,
    growcrm: structuredName && emails.size > 0,
    nodeping: recs.length > 0,
  };
  for (const p of FLAT) if (!has(p) && canCreate[p]) creates[p]!++;
  for (const h of recs) {
    const missing = (want: Set<string>, held: string[]) => [...want].filter((v) => !held.includes(v)).length;
    const nameDiffers = majority !== undefined && fullName(h.r) !== majority;
    const p = h.p;
    if (p === 'ilert') updates[p]! += missing(emails, h.emails) + missing(phones, h.phones);
    else if (p === 'r-service')
      updates[p]! +=
        missing(emails, h.emails) + missing(phones, h.phones) + missing(websites, h.websites) + missing(chats, h.chats);
    else if (p === 'nodeping') {
      if (nameDiffers || missing(emails, h.emails) + missing(phones, h.phones) + missing(chats, h.chats) > 0)
        updates[p]!++;
    } else if (nameDiffers || (h.phones.length === 0 && phones.size > 0) || (h.emails.length === 0 && emails.size > 0))
      updates[p]!++;
  }
  return { creates, updates };
}

// ---------------------------------------------------------------------------------------------
// Incremental edits.

/** mulberry32: a small deterministic PRNG, so every run edits the same people. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Edit {
  personId: string;
  provider: 'churchpad' | 'growcrm';
  externalId: string;
  familyName: string;
}

/**
 * Picks 1% of the people (at least one) that hold exactly one record in ChurchPad or Grow CRM
 * and no messy record (duplicates, invalid values), and a new family name for each, in a random
 * one of those two providers. The minimum per edit is one update in each other provider that
 * holds the name after convergence: the other of ChurchPad/Grow CRM and NodePing (display name),
 * one record each (the engine created one where the seed had none; duplicates are not synced).
 */
export function planEdits(people: readonly SeedPerson[], seed: number): { edits: Edit[]; minWriteCalls: number } {
  const rnd = prng(seed);
  const messy = (p: SeedPerson) =>
    Object.values(p.records).some((rs) =>
      rs!.some((r) => r.quirks.some((q) => q === 'duplicate' || q === 'invalid-email' || q === 'phone-too-long')),
    );
  const want = Math.max(1, Math.round(people.length / 100));
  const pool = people.filter(
    (p) => !messy(p) && (p.records.churchpad?.length === 1 || p.records.growcrm?.length === 1),
  );
  const edits: Edit[] = [];
  let min = 0;
  const taken = new Set<number>();
  while (edits.length < want && taken.size < pool.length) {
    const i = Math.floor(rnd() * pool.length);
    if (taken.has(i)) continue;
    taken.add(i);
    const person = pool[i]!;
    const choices = (['churchpad', 'growcrm'] as const).filter((p) => person.records[p]?.length === 1);
    const provider = choices[Math.floor(rnd() * choices.length)]!;
    const externalId = person.records[provider]![0]!.externalId!;
    edits.push({ personId: person.id, provider, externalId, familyName: `Edited${edits.length}x` });
    // One record per provider is synced (a duplicate waits for an admin; a missing one was created).
    for (const q of FLAT) if (q !== provider) min += 1;
  }
  return { edits, minWriteCalls: min };
}

export function applyEdits(sandbox: Sandbox, edits: readonly Edit[]): void {
  for (const e of edits) {
    if (e.provider === 'churchpad') sandbox.sim.churchpad.update(e.externalId, { last_name: e.familyName });
    else sandbox.sim.growcrm.update(Number(e.externalId), { last_name: e.familyName });
  }
}
