import type { Projection } from '@contact-sync/core/canonical';
import { entry, normalizeEmail, normalizeName, normalizePhone } from '../shared/normalize.ts';
import type { ExternalRecord } from '../types.ts';
import type { GrowcrmContact, GrowcrmContactWrite } from './schema.ts';

/** Wire → projection. Grow CRM has no labels; the client's company is the (read-only) organization. */
export const fromWire = (c: GrowcrmContact): ExternalRecord => {
  const email = normalizeEmail(c.email);
  const phone = normalizePhone(c.phone);
  return {
    externalId: String(c.id),
    projection: {
      givenName: normalizeName(c.first_name),
      familyName: normalizeName(c.last_name),
      title: normalizeName(c.job_position),
      organization: normalizeName(c.client?.company_name),
      emails: email ? [entry(email, null, c.email)] : [],
      phones: phone && c.phone ? [entry(phone.value, null, c.phone)] : [],
    },
    extras: {
      account_owner: c.account_owner ?? null,
      status: c.status ?? null,
      client_id: c.client?.id ?? null,
      role: c.role?.name ?? null,
      social: c.social ?? null,
      created: c.dates?.created ?? null,
    },
    updatedAt: c.dates?.updated ?? null,
    raw: c,
  };
};

/** Projection → the full body a create or update needs (first/last/email always sent). */
export const toWire = (p: Projection): GrowcrmContactWrite => ({
  first_name: p.givenName ?? '',
  last_name: p.familyName ?? '',
  email: p.emails?.[0]?.value ?? '',
  phone: p.phones?.[0]?.value ?? null,
  position: p.title ?? null,
});
