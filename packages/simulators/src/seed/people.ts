import { deriveSeed, Rng } from '../shared/prng.ts';
import type { ProviderKey } from '../types.ts';
import {
  CJK_NAMES,
  COMPANIES,
  DEPARTMENTS,
  FAMILY_NAMES,
  GIVEN_NAMES,
  MIDDLE_NAMES,
  type NameEntry,
  PERSONAL_DOMAINS,
  STAFF_COMPANY,
  TITLES,
} from './names.ts';
import { formatPhone, type PhoneStyle, randomPhone, type SeedPhone } from './phones.ts';

interface SeedEntry {
  value: string;
  label: string;
}

/** One appearance of a person in one provider, before the provider maps it onto its wire shape. */
export interface SeedRecord {
  givenName: string;
  middleName: string | null;
  familyName: string;
  emails: SeedEntry[];
  /** `value` is formatted the way this provider holds it; `e164`/`region` are the truth. */
  phones: (SeedEntry & { e164: string; region: string })[];
  websites: SeedEntry[];
  chats: SeedEntry[];
  organization: string | null;
  title: string | null;
  /** Deliberate messiness in this record, e.g. `email-case`, `nfd-name`, `invalid-email`, `duplicate`. */
  quirks: string[];
  /** Set by the provider seeder: the id the provider gave this record. */
  externalId?: string;
}

/** Ground truth of one person and every record of them in the providers. */
export interface SeedPerson {
  id: string;
  givenName: string;
  middleName: string | null;
  familyName: string;
  displayName: string;
  /** Canonical (lower-case) work e-mail; unique across people. */
  email: string;
  personalEmail: string | null;
  phone: SeedPhone;
  mobile: SeedPhone | null;
  organization: string;
  department: string;
  title: string;
  website: string | null;
  chat: string | null;
  /** Staff exist as ilert users and r-service people; others are customers, members, clients. */
  staff: boolean;
  providers: ProviderKey[];
  records: Partial<Record<ProviderKey, SeedRecord[]>>;
}

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Every person is held by exactly these providers (default: drawn per person, overlapping). */
  providers?: readonly ProviderKey[];
}

const PHONE_STYLE: Record<ProviderKey, PhoneStyle[]> = {
  ilert: ['e164', 'international'],
  churchpad: ['national', 'e164'],
  nodeping: ['e164', 'international', 'national'],
  growcrm: ['national', 'international', 'dotted'],
  'r-service': ['international', 'e164'],
};

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * Deterministic generator of `count` people spread across the five providers with
 * realistic overlap and messiness. Same seed and count → identical output.
 */
export function generatePeople({ seed, count, providers }: GenerateOptions): SeedPerson[] {
  const rng = new Rng(deriveSeed(seed, 'people'));
  const usedEmails = new Set<string>();
  const people: SeedPerson[] = [];
  const nextSuffix = new Map<string, number>();
  const uniqueEmail = (local: string, domain: string): string => {
    const base = `${local}@${domain}`;
    let n = nextSuffix.get(base) ?? 1;
    let candidate = n === 1 ? base : `${local}${n}@${domain}`;
    while (usedEmails.has(candidate)) candidate = `${local}${++n}@${domain}`;
    nextSuffix.set(base, n + 1);
    usedEmails.add(candidate);
    return candidate;
  };
  // A number belongs to one person, as an address does: a number drawn twice by chance makes two
  // people one wherever they are matched by phone (59 pairs at 100,000 people, none at 10,000).
  // Kept apart by national digits, all that a number written without its country code shows.
  const usedPhones = new Set<string>();
  const uniquePhone = (region: SeedPhone['region']): SeedPhone => {
    for (;;) {
      const phone = randomPhone(rng, region);
      const national = phone.national.replace(/\D/g, '').replace(/^0+/, '');
      if (usedPhones.has(national)) continue;
      usedPhones.add(national);
      return phone;
    }
  };

  for (let i = 0; i < count; i++) {
    const staff = rng.chance(0.25);
    let given: NameEntry;
    let family: NameEntry;
    let cjk = false;
    if (rng.chance(0.05)) {
      const n = rng.pick(CJK_NAMES);
      given = n.given;
      family = n.family;
      cjk = true;
    } else {
      given = rng.pick(GIVEN_NAMES);
      family = rng.pick(FAMILY_NAMES);
    }
    const middleName = !cjk && rng.chance(0.3) ? rng.pick(MIDDLE_NAMES) : null;
    const company = staff ? STAFF_COMPANY : rng.pick(COMPANIES);
    const local = `${fold(given.latin ?? given.name)}.${fold(family.latin ?? family.name)}`;
    const email = uniqueEmail(local, company.domain);
    const personalEmail = rng.chance(0.4) ? uniqueEmail(local, rng.pick(PERSONAL_DOMAINS)) : null;
    const region = rng.pick(['US', 'US', 'US', 'US', 'GB', 'DE', 'FR', 'JP'] as const);
    const phone = uniquePhone(region);
    const mobile = rng.chance(0.5) ? uniquePhone(region) : null;
    const person: SeedPerson = {
      id: `p${String(i + 1).padStart(6, '0')}`,
      givenName: given.name,
      middleName,
      familyName: family.name,
      displayName: cjk ? `${family.name}${given.name}` : `${given.name} ${family.name}`,
      email,
      personalEmail,
      phone,
      mobile,
      organization: company.name,
      department: rng.pick(DEPARTMENTS),
      title: rng.pick(TITLES),
      website: rng.chance(0.15)
        ? `https://${fold(given.latin ?? given.name)}${fold(family.latin ?? family.name)}.example.net`
        : null,
      chat: staff && rng.chance(0.6) ? `https://northwind.slack.example.com/team/${local}` : null,
      staff,
      providers: [],
      records: {},
    };
    person.providers = providers ? [...providers] : chooseProviders(rng, staff);
    for (const provider of person.providers) {
      const records = [makeRecord(rng, person, provider)];
      if (rng.chance(DUPLICATE_SHARE[provider])) records.push(makeDuplicate(rng, person, provider, records[0]!));
      person.records[provider] = records;
    }
    people.push(person);
  }
  return people;
}

const DUPLICATE_SHARE: Record<ProviderKey, number> = {
  ilert: 0,
  'r-service': 0,
  churchpad: 0.015,
  growcrm: 0.01,
  nodeping: 0.01,
};

function chooseProviders(rng: Rng, staff: boolean): ProviderKey[] {
  const p: Record<ProviderKey, number> = staff
    ? { ilert: 0.7, 'r-service': 0.85, nodeping: 0.35, growcrm: 0.1, churchpad: 0.2 }
    : { ilert: 0, 'r-service': 0, nodeping: 0.12, growcrm: 0.5, churchpad: 0.55 };
  const chosen = (Object.keys(p) as ProviderKey[]).filter((k) => rng.chance(p[k]));
  if (chosen.length === 0) chosen.push(staff ? 'r-service' : rng.pick(['churchpad', 'growcrm'] as const));
  return chosen;
}

function makeRecord(rng: Rng, person: SeedPerson, provider: ProviderKey): SeedRecord {
  const quirks: string[] = [];
  let givenName = person.givenName;
  let familyName = person.familyName;
  if (givenName.normalize('NFD') !== givenName && rng.chance(0.5)) {
    givenName = givenName.normalize('NFD');
    familyName = familyName.normalize('NFD');
    quirks.push('nfd-name');
  } else if (familyName.normalize('NFD') !== familyName && rng.chance(0.5)) {
    familyName = familyName.normalize('NFD');
    quirks.push('nfd-name');
  }
  if (provider === 'churchpad' && rng.chance(0.02)) {
    givenName = ` ${givenName} `;
    quirks.push('untrimmed-name');
  }
  let workEmail = person.email;
  if (rng.chance(0.1)) {
    const [local = '', domain = ''] = workEmail.split('@');
    workEmail = `${local.replace(/(^|\.)([a-z])/g, (_m, dot: string, c: string) => dot + c.toUpperCase())}@${domain}`;
    quirks.push('email-case');
  }
  const emails: SeedEntry[] = [{ value: workEmail, label: 'work' }];
  if (person.personalEmail && rng.chance(provider === 'nodeping' ? 0.5 : 0.3)) {
    emails.push({ value: person.personalEmail, label: 'personal' });
    quirks.push('extra-email');
  }
  const style = rng.pick(PHONE_STYLE[provider]);
  const phones: SeedRecord['phones'] = [
    { value: formatPhone(person.phone, style), label: 'work', e164: person.phone.e164, region: person.phone.region },
  ];
  if (person.mobile && rng.chance(0.6)) {
    phones.push({
      value: formatPhone(person.mobile, style),
      label: 'mobile',
      e164: person.mobile.e164,
      region: person.mobile.region,
    });
  }
  let title: string | null = person.title;
  if (rng.chance(0.1)) {
    title = rng.pick(TITLES.filter((t) => t !== person.title));
    quirks.push('stale-title');
  }
  const record: SeedRecord = {
    givenName,
    middleName: provider === 'churchpad' && person.middleName && rng.chance(0.7) ? person.middleName : null,
    familyName,
    emails,
    phones,
    websites: person.website && rng.chance(0.6) ? [{ value: person.website, label: 'personal' }] : [],
    chats: person.chat && rng.chance(0.7) ? [{ value: person.chat, label: 'chat_slack' }] : [],
    organization: person.organization,
    title,
    quirks,
  };
  injectInvalid(rng, record, provider);
  return record;
}

/** Records a real system accumulates that its own API would refuse today. */
function injectInvalid(rng: Rng, record: SeedRecord, provider: ProviderKey): void {
  const first = record.emails[0];
  if ((provider === 'churchpad' || provider === 'nodeping') && first && rng.chance(0.005)) {
    const [local = '', domain = ''] = first.value.split('@');
    first.value = rng.pick([`${local}@@${domain}`, `${local} at ${domain}`, `${local}@`]);
    record.quirks.push('invalid-email');
  }
  const phone = record.phones[0];
  if (provider === 'churchpad' && phone && rng.chance(0.005)) {
    phone.value = `+${phone.e164.slice(1, 2)} (${phone.e164.slice(2, 5)}) ${phone.e164.slice(5)} ext. ${rng.int(10, 999)}`;
    record.quirks.push('phone-too-long');
  }
}

function makeDuplicate(rng: Rng, person: SeedPerson, provider: ProviderKey, original: SeedRecord): SeedRecord {
  const dup: SeedRecord = structuredClone({ ...original, externalId: undefined });
  dup.quirks = ['duplicate'];
  if (provider === 'growcrm') {
    // Grow CRM refuses a second contact with the same e-mail: the duplicate uses another address.
    const [local = ''] = person.email.split('@');
    dup.emails = [
      { value: `${local}.${rng.chars(3, 'abcdefghijkmnpqrstuvwxyz')}@${rng.pick(PERSONAL_DOMAINS)}`, label: 'work' },
    ];
  } else if (dup.emails[0]) {
    dup.emails[0] = { ...dup.emails[0], value: dup.emails[0].value.toUpperCase() };
  }
  const phone = dup.phones[0];
  if (phone) phone.value = phone.e164;
  return dup;
}
