import type { CountryCode } from 'libphonenumber-js';
import { dedupe, entry, normalizeEmail, normalizeName, normalizePhone, normalizeUrl } from '../shared/normalize.ts';
import type { ExternalRecord } from '../types.ts';
import type { IlertPerson, IlertPhone } from './schema.ts';

export const phoneValue = (p: Pick<IlertPhone, 'target' | 'regionCode'>): string | null =>
  normalizePhone(p.target, (p.regionCode?.toUpperCase() || undefined) as CountryCode | undefined)?.value ?? null;

/**
 * A user and its contact methods → one projection. Names, position and avatar come from
 * the user and are read-only; ilert has no labels; status and primary go to extras.
 */
export const fromWire = ({ user, emails, phones }: IlertPerson): ExternalRecord => {
  const status: Record<string, string> = {};
  const emailEntries = emails.flatMap((e) => {
    const v = normalizeEmail(e.target);
    if (v && e.status) status[v] = e.status;
    return v ? [entry(v, null, e.target)] : [];
  });
  let primaryPhone: string | null = null;
  const phoneEntries = phones.flatMap((p) => {
    const v = phoneValue(p);
    if (v && p.status) status[v] = p.status;
    if (v && p.primary) primaryPhone = v;
    return v ? [entry(v, null, p.target)] : [];
  });
  return {
    externalId: String(user.id),
    projection: {
      givenName: normalizeName(user.firstName),
      familyName: normalizeName(user.lastName),
      title: normalizeName(user.position),
      avatarUrl: normalizeUrl(user.avatarUrl),
      emails: dedupe(emailEntries),
      phones: dedupe(phoneEntries),
    },
    extras: {
      loginEmail: user.email ?? null,
      role: user.role ?? null,
      timezone: user.timezone ?? null,
      department: user.department ?? null,
      primaryPhone,
      status,
    },
    // Contact methods carry no timestamps; the user's updatedAt says nothing about them.
    updatedAt: null,
    raw: { user, emails, phones },
  };
};
