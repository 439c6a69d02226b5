import type { SetEntry, SetField } from '@contact-sync/core/canonical';
import { dedupe, entry, normalizeEmail, normalizeName, normalizePhone, normalizeText } from '../shared/normalize.ts';
import type { ExternalRecord } from '../types.ts';
import type { NodepingAddress, NodepingContact } from './schema.ts';

/**
 * The documented mapping of NodePing address types to canonical sets:
 *   email → emails (label null); sms, voice → phones (label "sms" / "voice");
 *   slack, hipchat → chats (label "slack" / "hipchat").
 * webhook, pushover, pagerduty and unknown types are not contact data: they stay in
 * extras and are never touched by an update. An address without `type` (the list example
 * omits it) is inferred: contains "@" → email, phone-like → sms.
 */
export const addressKind = (a: NodepingAddress): { field: SetField; label: string | null } | null => {
  const type = a.type ?? (a.address.includes('@') ? 'email' : /^\+?[\d\s().-]{5,}$/.test(a.address) ? 'sms' : '');
  switch (type) {
    case 'email':
      return { field: 'emails', label: null };
    case 'sms':
    case 'voice':
      return { field: 'phones', label: type };
    case 'slack':
    case 'hipchat':
      return { field: 'chats', label: type };
    default:
      return null;
  }
};

/** The wire type for a canonical entry of a set (inverse of addressKind). */
export const wireType = (field: SetField, label: string | null): string =>
  field === 'emails' ? 'email' : field === 'phones' ? (label === 'voice' ? 'voice' : 'sms') : (label ?? 'slack');

export const normalizeAddress = (field: SetField, address: string): string | null =>
  field === 'emails'
    ? normalizeEmail(address)
    : field === 'phones'
      ? (normalizePhone(address)?.value ?? null)
      : normalizeText(address);

export const fromWire = (c: NodepingContact): ExternalRecord => {
  const sets: Record<'emails' | 'phones' | 'chats', SetEntry[]> = { emails: [], phones: [], chats: [] };
  const other: Record<string, NodepingAddress> = {};
  const status: Record<string, string> = {};
  for (const [id, a] of Object.entries(c.addresses)) {
    const kind = addressKind(a);
    const value = kind ? normalizeAddress(kind.field, a.address) : null;
    if (!kind || !value || kind.field === 'websites') {
      other[id] = a;
      continue;
    }
    sets[kind.field].push(entry(value, kind.label, a.address));
    if (a.status) status[value] = a.status;
  }
  return {
    externalId: c._id,
    projection: {
      displayName: normalizeName(c.name),
      emails: dedupe(sets.emails),
      phones: dedupe(sets.phones),
      chats: dedupe(sets.chats),
    },
    extras: {
      custrole: c.custrole ?? null,
      customer_id: c.customer_id ?? null,
      otherAddresses: other,
      addressStatus: status,
    },
    updatedAt: null,
    raw: c,
  };
};
