import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import { entry, normalizeEmail, normalizeName, normalizePhone, normalizeUrl } from '../shared/normalize.ts';
import type { ExternalRecord } from '../types.ts';
import type { ChurchpadContact, ChurchpadContactWrite } from './schema.ts';

/** Wire → canonical projection. ChurchPad has no labels: every entry's label is null. */
export const fromWire = (c: ChurchpadContact): ExternalRecord => {
  const email = normalizeEmail(c.email);
  const phone = normalizePhone(c.phone);
  return {
    externalId: c.id,
    projection: {
      givenName: normalizeName(c.first_name),
      middleName: normalizeName(c.middle_name),
      familyName: normalizeName(c.last_name),
      avatarUrl: normalizeUrl(c.avatar),
      emails: email ? [entry(email, null, c.email)] : [],
      phones: phone ? [entry(phone.value, null, c.phone)] : [],
    },
    extras: {
      is_manual: c.is_manual ?? null,
      legacy_id: c.legacy_id ?? null,
      nextgen_legacy_id: c.nextgen_legacy_id ?? null,
      created_at: c.created_at ?? null,
    },
    updatedAt: c.updated_at ?? null,
    raw: c,
  };
};

/** Projection → wire body for the given fields (all held fields when `fields` is omitted). */
export const toWire = (p: Projection, fields?: readonly FieldKey[]): ChurchpadContactWrite => {
  const want = (f: FieldKey) => (fields ? fields.includes(f) : true) && f in p;
  const body: ChurchpadContactWrite = {};
  if (want('givenName')) body.first_name = p.givenName ?? '';
  if (want('middleName')) body.middle_name = p.middleName ?? null;
  if (want('familyName')) body.last_name = p.familyName ?? '';
  if (want('avatarUrl')) body.avatar = p.avatarUrl ?? null;
  if (want('emails')) body.email = p.emails?.[0]?.value ?? '';
  if (want('phones')) body.phone = p.phones?.[0]?.value ?? '';
  return body;
};
