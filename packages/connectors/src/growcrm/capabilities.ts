import type { Canonical } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { canonicalEntries, isEmail, Projector } from '../shared/projector.ts';

/** One email (required, unique across all users), one phone, job position as title. */
export const project = (c: Canonical) => {
  const p = new Projector();
  p.scalar('givenName', c.givenName);
  p.scalar('familyName', c.familyName);
  p.scalar('title', c.title);

  let email: string | null = null;
  for (const e of canonicalEntries(c, 'emails')) {
    const why = isEmail(e.value);
    if (why) p.omit('emails', e.value, why);
    else if (email) p.omit('emails', e.value, 'growcrm holds one email per contact');
    else email = e.value;
  }
  p.set('emails', email ? [{ value: email, label: null }] : []);

  const phones = canonicalEntries(c, 'phones');
  for (const e of phones.slice(1)) p.omit('phones', e.value, 'growcrm holds one phone per contact');
  p.set('phones', phones[0] ? [{ value: phones[0].value, label: null }] : []);
  return p.result();
};

export const growcrmCapabilities: CapabilityDescriptor = {
  provider: 'growcrm',
  fields: ['givenName', 'familyName', 'title', 'emails', 'phones'],
  // The company of the client account the contact belongs to: shown, never written.
  readOnlyFields: ['organization'],
  requiredForCreate: ['givenName', 'familyName', 'emails'],
  canCreate: true,
  canDelete: true,
  naturalKeys: ['emails'],
  hasTimestamps: true,
  // Undocumented; Laravel's default API throttle is 60 requests per minute.
  // Rate limits unconfirmed (provider-notes.md): no budget of our own; 429s and Retry-After are followed.
  requestBudget: [],
  rateLimit: { max: 60, durationMs: 60_000 },
  project,
  // No labels: every entry is held unlabelled, whatever its canonical label.
  labelFor: () => null,
};
