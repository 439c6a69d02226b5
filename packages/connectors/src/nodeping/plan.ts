import type { FieldKey, Projection, SetField } from '@contact-sync/core/canonical';
import { addressKind, normalizeAddress, wireType } from './mapper.ts';
import type { NodepingAddress, NodepingContact, NodepingContactWrite, NodepingNewAddress } from './schema.ts';

const SETS = ['emails', 'phones', 'chats'] as const satisfies readonly SetField[];

/**
 * The one PUT that makes `current` hold `target` for the `changed` fields, or null when it
 * already does (a retry after a ghost write). New entries go in `newaddresses`; `addresses`
 * (which replaces the whole set) is sent only when something must be removed or retyped,
 * and then keeps every other address as it was, including the types we do not map.
 */
export const planUpdate = (
  current: NodepingContact,
  target: Projection,
  changed: readonly FieldKey[],
): NodepingContactWrite | null => {
  const body: NodepingContactWrite = {};
  if (changed.includes('displayName') && target.displayName !== undefined) {
    const name = target.displayName ?? '';
    if ((current.name ?? '').trim() !== name) body.name = name;
  }

  const key = (field: SetField, value: string, type: string) => `${field}\u0000${value}\u0000${type}`;
  const held = new Set<string>();
  for (const a of Object.values(current.addresses)) {
    const kind = addressKind(a);
    const value = kind ? normalizeAddress(kind.field, a.address) : null;
    if (kind && value) held.add(key(kind.field, value, wireType(kind.field, kind.label)));
  }
  const keep: Record<string, NodepingAddress> = {};
  let removed = false;
  const present = new Set<string>();
  for (const [id, a] of Object.entries(current.addresses)) {
    const kind = addressKind(a);
    const field = kind?.field;
    const value = field ? normalizeAddress(field, a.address) : null;
    const managed = field && field !== 'websites' && changed.includes(field) && target[field] !== undefined;
    if (!kind || !field || !value || !managed) {
      keep[id] = a;
      continue;
    }
    const wanted = target[field]?.find((e) => e.value === value);
    const want = wanted ? wireType(field, wanted.label) : null;
    if (want && want === wireType(field, kind.label)) {
      keep[id] = a;
      present.add(key(field, value, want));
    } else if (want && held.has(key(field, value, want))) {
      // The same number as both sms and voice: the projection shows one, keep both.
      keep[id] = a;
    } else {
      removed = true;
    }
  }

  const added: NodepingNewAddress[] = [];
  for (const field of SETS) {
    if (!changed.includes(field) || target[field] === undefined) continue;
    for (const e of target[field] ?? []) {
      const type = wireType(field, e.label);
      if (!present.has(key(field, e.value, type))) added.push({ address: e.value, type });
    }
  }
  if (removed) body.addresses = keep;
  if (added.length > 0) body.newaddresses = added;
  return Object.keys(body).length > 0 ? body : null;
};
