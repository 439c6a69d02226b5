import type { SetEntry, SetField } from '@contact-sync/core/canonical';
import {
  dedupe,
  entry,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizeText,
  normalizeUrl,
} from '../shared/normalize.ts';
import type { ExternalRecord } from '../types.ts';
import type { Kind, RServiceContact, RServiceRecord } from './schema.ts';

export const FIELD_OF: Record<Kind, SetField> = {
  telephone: 'phones',
  email: 'emails',
  website: 'websites',
  chat: 'chats',
};
export const KIND_OF: Record<SetField, Kind> = {
  phones: 'telephone',
  emails: 'email',
  websites: 'website',
  chats: 'chat',
};

export const kindOf = (c: RServiceContact): Kind =>
  c.telephone != null ? 'telephone' : c.email != null ? 'email' : c.website != null ? 'website' : 'chat';

export const normalizeValue = (kind: Kind, v: string): string | null =>
  kind === 'telephone'
    ? (normalizePhone(v)?.value ?? null)
    : kind === 'email'
      ? normalizeEmail(v)
      : kind === 'website'
        ? normalizeUrl(v)
        : normalizeText(v);

/** Wire label → canonical label: `chat_slack` → `slack`, others as they are. */
export const canonicalLabel = (label: string): string => label.replace(/^chat_/, '').toLowerCase();
/** Canonical label of a chat → wire label. */
export const wireLabel = (kind: Kind, label: string | null): string =>
  kind === 'chat' ? `chat_${label}` : (label ?? 'work');

/** A person with its contacts → one projection; name and organization come from the person (read-only). */
export const fromWire = ({ person, contacts }: RServiceRecord): ExternalRecord => {
  const sets: Record<SetField, SetEntry[]> = { emails: [], phones: [], websites: [], chats: [] };
  const integration: Record<string, boolean> = {};
  for (const c of contacts) {
    const kind = kindOf(c);
    const raw = c[kind] ?? '';
    const value = normalizeValue(kind, raw);
    if (!value) continue;
    sets[FIELD_OF[kind]].push(entry(value, canonicalLabel(c.label), raw));
    if (c.integration) integration[value] = true;
  }
  const org = person.organization;
  return {
    externalId: String(person.id),
    projection: {
      displayName: normalizeName(person.name),
      organization: normalizeName(typeof org === 'string' ? org : org?.name),
      emails: dedupe(sets.emails),
      phones: dedupe(sets.phones),
      websites: dedupe(sets.websites),
      chats: dedupe(sets.chats),
    },
    extras: {
      primary_email: person.primary_email ?? null,
      sourceID: person.sourceID ?? null,
      disabled: person.disabled ?? null,
      integration,
    },
    updatedAt: null,
    raw: { person, contacts },
  };
};
