import type { Canonical } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { normalizePhone } from '../shared/normalize.ts';
import { canonicalEntries, isEmail, Projector } from '../shared/projector.ts';

/** Emails and phone numbers of an existing user; a phone must parse to a region (regionCode). */
export const project = (c: Canonical) => {
  const p = new Projector();
  p.set(
    'emails',
    canonicalEntries(c, 'emails').flatMap((e) => {
      const why = isEmail(e.value);
      if (why) p.omit('emails', e.value, why, { keep: true });
      return why ? [] : [{ value: e.value, label: null }];
    }),
  );
  p.set(
    'phones',
    canonicalEntries(c, 'phones').flatMap((e) => {
      const n = normalizePhone(e.value);
      if (!n?.region) p.omit('phones', e.value, 'ilert needs a phone number it can place in a region', { keep: true });
      return n?.region ? [{ value: n.value, label: null }] : [];
    }),
  );
  return p.result();
};

export const ilertCapabilities: CapabilityDescriptor = {
  provider: 'ilert',
  fields: ['emails', 'phones'],
  // From the user: never written (a PUT of the user can reset its contacts).
  readOnlyFields: ['givenName', 'familyName', 'title', 'avatarUrl'],
  requiredForCreate: [],
  // The engine syncs the contact methods of users that exist; it does not create or delete users.
  canCreate: false,
  canDelete: false,
  naturalKeys: ['emails'],
  hasTimestamps: false,
  // 120 requests/min per user API key (provider-notes.md, ilert API docs).
  requestBudget: [{ max: 120, durationMs: 60_000 }],
  rateLimit: { max: 120, durationMs: 60_000 },
  project,
  // No labels: every entry is held unlabelled, whatever its canonical label.
  labelFor: () => null,
};
