import type { Canonical, SetField } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import { canonicalEntries, isEmail, Projector } from '../shared/projector.ts';

const MAX = 255;

/**
 * Labels valid per kind (documented enum); a canonical label the kind does not accept is
 * mapped to the closest valid one (documented choice), chats without a matching app are
 * omitted.
 */
const labelFor = (field: SetField, label: string | null): string | null => {
  switch (field) {
    case 'phones':
      return label === 'fax' || label === 'home' || label === 'mobile' || label === 'work'
        ? label
        : label === 'sms' || label === 'cell'
          ? 'mobile'
          : label === 'personal'
            ? 'home'
            : 'work';
    case 'emails':
    case 'websites':
      return label === 'personal' || label === 'home' ? 'personal' : 'work';
    case 'chats':
      return label === 'skype' || label === 'slack' || label === 'teams' || label === 'workchat' ? label : null;
  }
};

export const project = (c: Canonical) => {
  const p = new Projector();
  for (const field of ['emails', 'phones', 'websites', 'chats'] as const) {
    p.set(
      field,
      canonicalEntries(c, field).flatMap((e) => {
        const label = labelFor(field, e.label);
        const why =
          e.value.length > MAX
            ? `longer than ${MAX} characters`
            : field === 'emails'
              ? isEmail(e.value)
              : label == null
                ? `r-service has no chat label for ${e.label ?? 'an unlabelled chat'}`
                : null;
        // An invalid or overlong value a person already has stays; a chat without an app label cannot be held.
        if (why) p.omit(field, e.value, why, { keep: label != null || field !== 'chats' });
        return why ? [] : [{ value: e.value, label }];
      }),
    );
  }
  return p.result();
};

export const rServiceCapabilities: CapabilityDescriptor = {
  provider: 'r-service',
  fields: ['emails', 'phones', 'websites', 'chats'],
  readOnlyFields: ['displayName', 'organization'],
  requiredForCreate: [],
  // The engine syncs the contacts of people that exist; it does not create or delete people.
  canCreate: false,
  canDelete: false,
  naturalKeys: ['emails'],
  hasTimestamps: false,
  // The 4me short-burst limit (the hourly 3,600 is enforced by 429 + Retry-After).
  // 3,600 requests/hour plus a short burst of 20 per 2 s (provider-notes.md, 4me API docs).
  requestBudget: [
    { max: 3600, durationMs: 3_600_000 },
    { max: 20, durationMs: 2_000 },
  ],
  rateLimit: { max: 20, durationMs: 2_000 },
  project,
  labelFor,
};
