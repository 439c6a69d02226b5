import type { Canonical, SetField } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { normalizeName } from '../shared/normalize.ts';
import { canonicalEntries, isEmail, Projector } from '../shared/projector.ts';

/**
 * The contact `name` is a label: the canonical display name, else the joined given,
 * middle and family names. Phones become sms addresses unless labelled "voice"; faxes
 * cannot take either. Chats only for slack and hipchat.
 */
/** Address types as labels: e-mails have none, a phone is a voice number or else an sms one. */
const labelFor = (field: SetField, label: string | null): string | null =>
  field === 'emails' ? null : field === 'phones' ? (label === 'voice' ? 'voice' : 'sms') : label;

export const project = (c: Canonical) => {
  const p = new Projector();
  const joined = [c.givenName, c.middleName, c.familyName].map(normalizeName).filter(Boolean).join(' ');
  p.scalar('displayName', normalizeName(c.displayName) ?? (joined || null));

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
      if (e.label === 'fax') p.omit('phones', e.value, 'nodeping cannot send to a fax number');
      return e.label === 'fax' ? [] : [{ value: e.value, label: labelFor('phones', e.label) }];
    }),
  );
  p.set(
    'chats',
    canonicalEntries(c, 'chats').flatMap((e) => {
      const ok = e.label === 'slack' || e.label === 'hipchat';
      if (!ok) p.omit('chats', e.value, `nodeping has no ${e.label ?? 'unlabelled'} chat address type`);
      return ok ? [{ value: e.value, label: e.label }] : [];
    }),
  );
  return p.result();
};

export const nodepingCapabilities: CapabilityDescriptor = {
  provider: 'nodeping',
  fields: ['displayName', 'emails', 'phones', 'chats'],
  readOnlyFields: [],
  // A POST with no address is refused.
  requiredForCreate: ['displayName'],
  canCreate: true,
  canDelete: true,
  naturalKeys: ['emails', 'phones'],
  hasTimestamps: false,
  // Undocumented: a conservative 5 requests per second.
  // No documented rate limit (provider-notes.md): no budget of our own; 429s and Retry-After are followed.
  requestBudget: [],
  rateLimit: { max: 5, durationMs: 1_000 },
  project,
  labelFor,
};
