import type { Canonical } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { normalizeUrl } from '../shared/normalize.ts';
import { canonicalEntries, isEmail, isUrl, Projector } from '../shared/projector.ts';

const NAME_MAX = 50;
const PHONE_MAX = 15;
const EMAIL_MAX = 254;
const AVATAR_MAX = 200;

/** ChurchPad holds exactly one email and one phone per contact, no labels. */
export const project = (c: Canonical) => {
  const p = new Projector();
  p.scalar('givenName', c.givenName, { max: NAME_MAX });
  p.scalar('middleName', c.middleName, { max: NAME_MAX });
  p.scalar('familyName', c.familyName, { max: NAME_MAX });
  p.scalar('avatarUrl', c.avatarUrl, { max: AVATAR_MAX, valid: isUrl, normalize: normalizeUrl });

  let email: string | null = null;
  for (const e of canonicalEntries(c, 'emails')) {
    const why = e.value.length > EMAIL_MAX ? `longer than ${EMAIL_MAX} characters` : isEmail(e.value);
    if (why) p.omit('emails', e.value, why);
    else if (email) p.omit('emails', e.value, 'churchpad holds one email per contact');
    else email = e.value;
  }
  p.set('emails', email ? [{ value: email, label: null }] : []);

  let phone: string | null = null;
  for (const e of canonicalEntries(c, 'phones')) {
    if (e.value.length > PHONE_MAX) p.omit('phones', e.value, `longer than ${PHONE_MAX} characters`);
    else if (phone) p.omit('phones', e.value, 'churchpad holds one phone per contact');
    else phone = e.value;
  }
  p.set('phones', phone ? [{ value: phone, label: null }] : []);
  return p.result();
};

export const churchpadCapabilities: CapabilityDescriptor = {
  provider: 'churchpad',
  fields: ['givenName', 'middleName', 'familyName', 'avatarUrl', 'emails', 'phones'],
  readOnlyFields: [],
  requiredForCreate: ['givenName', 'familyName', 'emails', 'phones'],
  canCreate: true,
  canDelete: true,
  naturalKeys: ['emails', 'phones'],
  hasTimestamps: true,
  // Undocumented; DRF throttles are usually per minute. A conservative choice.
  // Rate limits unconfirmed (provider-notes.md): no budget of our own; 429s and Retry-After are followed.
  requestBudget: [],
  rateLimit: { max: 60, durationMs: 60_000 },
  project,
  // No labels: every entry is held unlabelled, whatever its canonical label.
  labelFor: () => null,
};
