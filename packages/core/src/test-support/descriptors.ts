import { type Canonical, FIELDS, type FieldKey, type Projection, SET_FIELDS, type SetField } from '../canonical.ts';
import type { CapabilityDescriptor, Omission } from '../capabilities.ts';

/**
 * Fake capability descriptors for the core's tests, shaped like the kinds of provider the
 * engine meets (not the real connectors): contact methods of a person, a flat contact with
 * one email/phone and required fields, a named contact with many addresses, and everything.
 */

const pick = (c: Canonical, fields: readonly FieldKey[]): Projection => {
  const out: Projection = {};
  for (const f of fields) (out as Record<string, unknown>)[f] = c[f];
  return out;
};

const base = {
  provider: 'churchpad' as const,
  naturalKeys: ['emails'] as FieldKey[],
  rateLimit: { max: 10, durationMs: 1000 },
};

/** The contact methods of a person that exists independently; names read-only, no create/delete. */
export const methodsDescriptor: CapabilityDescriptor = {
  ...base,
  provider: 'ilert',
  fields: ['emails', 'phones'],
  readOnlyFields: ['givenName', 'familyName'],
  requiredForCreate: [],
  canCreate: false,
  canDelete: false,
  hasTimestamps: false,
  project: (c) => ({ projection: pick(c, ['givenName', 'familyName', 'emails', 'phones']), omitted: [] }),
};

/** A flat contact: one unlabelled email and phone, all four required for create. */
export const flatDescriptor: CapabilityDescriptor = {
  ...base,
  provider: 'churchpad',
  fields: ['givenName', 'familyName', 'emails', 'phones'],
  readOnlyFields: [],
  requiredForCreate: ['givenName', 'familyName', 'emails', 'phones'],
  canCreate: true,
  canDelete: true,
  hasTimestamps: true,
  project: (c) => {
    const omitted: Omission[] = [];
    const one = (f: SetField) => {
      const [first, ...rest] = c[f];
      for (const e of rest) omitted.push({ field: f, value: e.value, reason: 'holds one entry only' });
      return first ? [{ value: first.value, label: null }] : [];
    };
    return {
      projection: { givenName: c.givenName, familyName: c.familyName, emails: one('emails'), phones: one('phones') },
      omitted,
    };
  },
  labelFor: () => null,
};

/** A named contact with many labelled addresses; the name is required. */
export const namedDescriptor: CapabilityDescriptor = {
  ...base,
  provider: 'nodeping',
  fields: ['displayName', 'emails', 'phones', 'chats'],
  readOnlyFields: [],
  requiredForCreate: ['displayName'],
  canCreate: true,
  canDelete: true,
  hasTimestamps: false,
  project: (c) => ({ projection: pick(c, ['displayName', 'emails', 'phones', 'chats']), omitted: [] }),
};

/** Holds every field; creates and deletes freely. */
export const fullDescriptor: CapabilityDescriptor = {
  ...base,
  provider: 'growcrm',
  fields: [...FIELDS],
  readOnlyFields: [],
  requiredForCreate: [],
  canCreate: true,
  canDelete: true,
  hasTimestamps: true,
  project: (c) => ({ projection: pick(c, FIELDS), omitted: [] }),
};

export const DESCRIPTORS = {
  methods: methodsDescriptor,
  flat: flatDescriptor,
  named: namedDescriptor,
  full: fullDescriptor,
} as const;
export type DescriptorName = keyof typeof DESCRIPTORS;

/** Every field a descriptor holds (writable and read-only). */
export const heldFields = (d: CapabilityDescriptor): FieldKey[] => [...d.fields, ...d.readOnlyFields];

export const isSetField = (f: FieldKey): f is SetField => (SET_FIELDS as readonly string[]).includes(f);
