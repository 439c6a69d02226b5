import {
  type Canonical,
  type FieldKey,
  type Projection,
  type ScalarField,
  SET_FIELDS,
  type SetEntry,
  type SetField,
} from './canonical.ts';
import type { CapabilityDescriptor, Omission } from './capabilities.ts';
import { normalizedContentHash, sha256 } from './hash.ts';
import { type HeldCell, NO_BASE_LABEL } from './merge.ts';
import { fieldEqual, normalizeScalar, normalizeSetEntries, sortEntriesByValue } from './normalize.ts';
import type { ConnectionPolicy, OpKind, ReportEntry } from './types.ts';

/**
 * What one connection should hold for a canonical record, and the minimal write that gets it
 * there. The target comes from the connector's own `project` so that what we write is what the
 * provider will give back (echo suppression).
 */

export interface Target {
  /** Writable fields only, normalized. */
  target: Projection;
  /** The base to store once the target is written. */
  baseAfter: Projection;
  /** Fields that differ from the side's current value (all target fields for a create). */
  changed: FieldKey[];
  report: Omit<ReportEntry, 'canonicalId' | 'connectionId' | 'externalId'>[];
}

const isEmpty = (v: unknown): boolean => v == null || (Array.isArray(v) && v.length === 0);

/** A descriptor's writable fields, whether each is a set, and its required fields: computed once per descriptor. */
interface Writable {
  fields: readonly FieldKey[];
  isSet: readonly boolean[];
  required: readonly FieldKey[];
  /**
   * Every writable field, in order, set to undefined: a target starts as a copy of it, so that
   * filling it in stores into existing properties (no shape transition per field).
   */
  template: Readonly<Projection>;
  /** Per writable field (same order): whether the side holds that field of the projection (see `holdsField`). */
  holds: readonly HoldsField[];
}
const writableCache = new WeakMap<CapabilityDescriptor, Writable>();
const writableOf = (caps: CapabilityDescriptor): Writable => {
  let w = writableCache.get(caps);
  if (!w) {
    const fields = caps.fields.filter((f) => !caps.readOnlyFields.includes(f));
    w = {
      fields,
      isSet: fields.map((f) => (SET_FIELDS as readonly string[]).includes(f)),
      required: [...caps.requiredForCreate],
      template: Object.fromEntries(fields.map((f) => [f, undefined])),
      holds: fields.map((f) => HOLDS_FIELD.get(f) ?? holdsFieldByKey(f, (SET_FIELDS as readonly string[]).includes(f))),
    };
    writableCache.set(caps, w);
  }
  return w;
};

const holdsValue = (entries: readonly SetEntry[], value: string): boolean => {
  for (let i = 0; i < entries.length; i++) if (entries[i]!.value === value) return true;
  return false;
};

/**
 * Whether putting the entries `current` holds first changes the order of `all`: only when one
 * it holds comes after one it does not (checked without allocating: the common case is no).
 */
const needsReorder = (all: readonly SetEntry[], cur: readonly SetEntry[]): boolean => {
  let rest = false;
  for (let i = 0; i < all.length; i++) {
    if (!holdsValue(cur, all[i]!.value)) rest = true;
    else if (rest) return true;
  }
  return false;
};

/** `all` with the entries `cur` holds first (their order kept), or null when that is `all`'s order already. */
const heldFirst = (all: readonly SetEntry[], cur: readonly SetEntry[] | undefined): SetEntry[] | null => {
  if (!cur || cur === all || cur.length === 0 || all.length < 2 || !needsReorder(all, cur)) return null;
  const mine: SetEntry[] = [];
  const rest: SetEntry[] = [];
  for (const e of all) (holdsValue(cur, e.value) ? mine : rest).push(e);
  return [...mine, ...rest];
};

/**
 * Entries the side already holds first, so a provider with few slots keeps what it has. The
 * four set fields are read by name: this runs for every side, and a property read by a fixed
 * name costs less than one by a variable key on projections of many shapes.
 */
const preferCurrent = (canonical: Canonical, current: Projection): Canonical => {
  const emails = heldFirst(canonical.emails, current.emails);
  const phones = heldFirst(canonical.phones, current.phones);
  const websites = heldFirst(canonical.websites, current.websites);
  const chats = heldFirst(canonical.chats, current.chats);
  if (emails === null && phones === null && websites === null && chats === null) return canonical;
  const out: Canonical = { ...canonical };
  if (emails !== null) out.emails = emails;
  if (phones !== null) out.phones = phones;
  if (websites !== null) out.websites = websites;
  if (chats !== null) out.chats = chats;
  return out;
};

/**
 * What a side holding `current` should hold of `canonical` (a one-slot provider keeps the entry
 * it has): the projection convergence checks compare a provider's record against.
 */
export const expectedProjection = (
  caps: CapabilityDescriptor,
  canonical: Canonical,
  current: Projection | null,
): Projection => {
  const { projection, omitted } = caps.project(current ? preferCurrent(canonical, current) : canonical);
  if (current) keepHeldOmissions(projection, omitted, current);
  // As in targetFor: a required field the canonical record lost keeps the side's value (required-kept).
  if (current)
    for (const f of caps.requiredForCreate)
      if (isEmpty(projection[f]) && !isEmpty(current[f])) (projection as Record<string, unknown>)[f] = current[f];
  return projection;
};

/** Entries the side holds that the engine only declines to write (`Omission.keep`) stay in its target. */
const keepHeldOmissions = (target: Projection, omitted: readonly Omission[], current: Projection): void => {
  for (const o of omitted) {
    if (!o.keep || o.value === null || !(SET_FIELDS as readonly string[]).includes(o.field)) continue;
    const f = o.field as SetField;
    const held = current[f]?.find((e) => e.value === o.value);
    const entries = target[f];
    if (!held || !entries || entries.some((e) => e.value === o.value)) continue;
    target[f] = sortEntriesByValue([...entries, held]);
  }
};

const setCell = (p: Projection, field: FieldKey, key: string, from: Projection | null) => {
  const f = field as (typeof SET_FIELDS)[number];
  const src = from?.[f]?.find((e) => e.value === key);
  const others = (p[f] ?? []).filter((e) => e.value !== key);
  if (src) others.push(src);
  p[f] = sortEntriesByValue(others);
};

/** Puts back, for the cells a hold keeps out of the merge, the value `from` has. */
const applyHeld = (p: Projection, held: readonly HeldCell[], connectionId: string, from: Projection | null) => {
  for (const h of held) {
    if (!h.connectionIds.includes(connectionId)) continue;
    if (h.key === null) {
      if (from && h.field in from) (p as Record<string, unknown>)[h.field] = from[h.field] ?? null;
      else delete p[h.field];
    } else {
      const had = from?.[h.field as SetField];
      if (had !== undefined && had.find((e) => e.value === h.key)?.label !== NO_BASE_LABEL) {
        setCell(p, h.field, h.key, from);
      } else {
        // A held first-sync proposal: mark that this entry has no agreed value, or the hold is forgotten.
        setCell(p, h.field, h.key, { [h.field]: [{ value: h.key, label: NO_BASE_LABEL }] });
      }
    }
  }
};

/** The canonical record as this side should hold it: cells held for review keep the side's value. */
const keepHeld = (
  canonical: Canonical,
  held: readonly HeldCell[],
  connectionId: string,
  current: Projection,
): Canonical => {
  let out: Canonical | null = null;
  for (const h of held) {
    if (!h.connectionIds.includes(connectionId)) continue;
    out ??= { ...canonical };
    if (h.key === null) (out as Record<string, unknown>)[h.field] = current[h.field] ?? null;
    else setCell(out, h.field, h.key, current);
  }
  return out ?? canonical;
};

/** A projected value in normal form: what the descriptor passed through from `from` as is, anything it built normalized. */
const normalFieldValue = (f: FieldKey, set: boolean, v: unknown, from: unknown): unknown =>
  v === from
    ? v
    : set
      ? normalizeSetEntries(f as SetField, (v as SetEntry[] | undefined) ?? [])
      : normalizeScalar(f as ScalarField, v as string | null | undefined);

/**
 * Whether the side holds field `f` of the projection: the value the target would have (the
 * projection's, normalized unless passed through from the canonical record; `mine` for a scalar,
 * the canonical record itself for a set) equals the side's current one.
 */
type HoldsField = (projection: Projection, canonical: Canonical, mine: Canonical, current: Projection) => boolean;
const holdsScalar = (f: ScalarField, v: unknown, from: unknown, cur: unknown): boolean =>
  (normalFieldValue(f, false, v, from) ?? null) === (cur ?? null);
const holdsSet = (f: SetField, v: unknown, from: unknown, cur: SetEntry[] | undefined): boolean =>
  sameEntries(normalFieldValue(f, true, v, from) as SetEntry[] | undefined, cur);
/** The same for any field, read by key (a field outside the canonical model). */
const holdsFieldByKey =
  (f: FieldKey, set: boolean): HoldsField =>
  (p, canonical, mine, current) => {
    const v = (p as Record<string, unknown>)[f];
    const cur = (current as Record<string, unknown>)[f];
    return set
      ? sameEntries(normalFieldValue(f, true, v, canonical[f]) as SetEntry[] | undefined, cur as SetEntry[] | undefined)
      : (normalFieldValue(f, false, v, mine[f]) ?? null) === (cur ?? null);
  };
/**
 * One function a field, reading it by name: each read then only meets the shapes of the
 * projections that hold that field (a few), where one loop reading `p[f]` meets every shape of
 * every provider and the canonical record at one site (megamorphic: about twice the cost of the
 * whole check). This runs for every side of every person.
 */
const HOLDS_FIELD = new Map<string, HoldsField>(
  Object.entries({
    givenName: (p, _c, m, cur) => holdsScalar('givenName', p.givenName, m.givenName, cur.givenName),
    middleName: (p, _c, m, cur) => holdsScalar('middleName', p.middleName, m.middleName, cur.middleName),
    familyName: (p, _c, m, cur) => holdsScalar('familyName', p.familyName, m.familyName, cur.familyName),
    displayName: (p, _c, m, cur) => holdsScalar('displayName', p.displayName, m.displayName, cur.displayName),
    organization: (p, _c, m, cur) => holdsScalar('organization', p.organization, m.organization, cur.organization),
    title: (p, _c, m, cur) => holdsScalar('title', p.title, m.title, cur.title),
    avatarUrl: (p, _c, m, cur) => holdsScalar('avatarUrl', p.avatarUrl, m.avatarUrl, cur.avatarUrl),
    emails: (p, c, _m, cur) => holdsSet('emails', p.emails, c.emails, cur.emails),
    phones: (p, c, _m, cur) => holdsSet('phones', p.phones, c.phones, cur.phones),
    websites: (p, c, _m, cur) => holdsSet('websites', p.websites, c.websites, cur.websites),
    chats: (p, c, _m, cur) => holdsSet('chats', p.chats, c.chats, cur.chats),
  } satisfies Record<FieldKey, HoldsField>),
);

/** The two forms of the per-field check, for the test that they agree. */
export const holdsFieldChecks = { byName: HOLDS_FIELD as ReadonlyMap<string, HoldsField>, byKey: holdsFieldByKey };

/**
 * Whether the side already holds every writable field of the projection (the common case: a
 * resync where nothing changed). Allocation-free; decides the same as building the target and
 * comparing it field by field.
 */
const holdsProjection = (
  w: Writable,
  projection: Projection,
  canonical: Canonical,
  mine: Canonical,
  current: Projection,
): boolean => {
  const { holds } = w;
  for (let i = 0; i < holds.length; i++) if (!holds[i]!(projection, canonical, mine, current)) return false;
  return true;
};

/**
 * The target of a linked side (`current` non-null) or of a create (`current` null). Required
 * fields the canonical record lost are kept at the side's current value rather than written
 * empty (the provider would reject it), with a report entry. Null when the linked side already
 * holds its target: nothing to write and nothing to report (an empty target field then equals
 * only an empty current one, so no required value is kept; and no omitted entry it holds is
 * missing from the target, so none is kept either).
 */
export const targetFor = (
  conn: ConnectionPolicy,
  canonical: Canonical,
  current: Projection | null,
  base: Projection | null,
  held: readonly HeldCell[],
): Target | null => {
  const caps = conn.capabilities;
  const w = writableOf(caps);
  const mine = current
    ? preferCurrent(held.length === 0 ? canonical : keepHeld(canonical, held, conn.id, current), current)
    : canonical;
  const { projection, omitted } = caps.project(mine);
  if (current && holdsProjection(w, projection, canonical, mine, current)) return null;
  // Values the descriptor passed through from the (normalized) canonical record need no check;
  // anything it built itself (a truncated name, a one-entry list) is normalized here.
  // (`mine` may hold reordered sets, so only the canonical record's own arrays count as normal.)
  const target: Projection = { ...w.template };
  const t = target as Record<string, unknown>;
  const from = projection as Record<string, unknown>;
  const { fields, isSet } = w;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    t[f] = normalFieldValue(f, isSet[i]!, from[f], isSet[i] ? canonical[f] : mine[f]);
  }
  const report: Target['report'] = [];
  for (const o of omitted) report.push({ kind: 'omitted', field: o.field, value: o.value, message: o.reason });
  if (current) {
    keepHeldOmissions(target, omitted, current);
    for (const f of w.required) {
      if (f in target && isEmpty(target[f]) && !isEmpty(current[f])) {
        t[f] = current[f];
        report.push({
          kind: 'required-kept',
          field: f,
          value: null,
          message: `${f} is required there; kept its current value`,
        });
      }
    }
  }
  const cur = current as Record<string, unknown> | null;
  const changed: FieldKey[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!cur) changed.push(f);
    else if (isSet[i]) {
      if (!sameEntries(t[f] as SetEntry[] | undefined, cur[f] as SetEntry[] | undefined)) changed.push(f);
    } else if ((t[f] ?? null) !== (cur[f] ?? null)) changed.push(f);
  }
  if (changed.length === 0) return { target, baseAfter: target, changed, report };
  const baseAfter: Projection = { ...target };
  if (current) {
    for (const f of caps.readOnlyFields) if (f in current) (baseAfter as Record<string, unknown>)[f] = current[f];
    applyHeld(baseAfter, held, conn.id, base);
  }
  return { target, baseAfter, changed, report };
};

/** `fieldEqual` for one set field (a missing set is empty; `raw` never counts). */
const sameEntries = (a: readonly SetEntry[] | undefined, b: readonly SetEntry[] | undefined): boolean => {
  if (a === b) return true;
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.value !== y[i]!.value || x[i]!.label !== y[i]!.label) return false;
  }
  return true;
};

/** Fields required for a create that the target leaves empty. */
export const missingForCreate = (conn: ConnectionPolicy, target: Projection): FieldKey[] => {
  const required = conn.capabilities.requiredForCreate;
  // Usually none is missing: then nothing is filtered.
  let any = false;
  for (let i = 0; i < required.length; i++)
    if (isEmpty(target[required[i]!])) {
      any = true;
      break;
    }
  return any ? required.filter((f) => isEmpty(target[f])) : [];
};

/** Idempotency key from (connection, canonical id, op kind, target content hash). */
export const idempotencyKey = (
  connectionId: string,
  canonicalId: string,
  kind: OpKind,
  target: Projection | null,
  externalId: string | null,
): string => {
  const content = target ? normalizedContentHash(target) : `gone:${externalId ?? ''}`;
  return sha256(`${connectionId}\u0000${canonicalId}\u0000${kind}\u0000${content}`);
};

const heldFor = (held: readonly HeldCell[], connectionId: string): boolean => {
  for (let i = 0; i < held.length; i++) if (held[i]!.connectionIds.includes(connectionId)) return true;
  return false;
};

/** The base a side agrees on when it needs no write: its current, with held cells kept at the old base. */
export const agreedBase = (
  conn: ConnectionPolicy,
  current: Projection,
  base: Projection | null,
  held: readonly HeldCell[],
): Projection => {
  if (!heldFor(held, conn.id)) return current;
  const out: Projection = { ...current };
  applyHeld(out, held, conn.id, base);
  return out;
};

/** Equality of two normalized projections including which fields are present (absent = no base). */
export const sameProjection = (a: Projection | null, b: Projection | null): boolean => {
  if (a === b) return true;
  if (!a || !b) return false;
  let n = 0;
  for (const k in a) {
    if (!(k in b) || !fieldEqual(a, b, k as FieldKey)) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
};
