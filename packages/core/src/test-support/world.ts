import {
  type Canonical,
  emptyCanonical,
  type FieldKey,
  type Projection,
  type SCALAR_FIELDS,
  type SetEntry,
} from '../canonical.ts';
import { normalizePhone, normalizeProjection } from '../normalize.ts';
import { reconcileRecord } from '../reconcile.ts';
import type { ConnectionPolicy, ReconcileContext, ReconcileResult, SideState } from '../types.ts';
import { heldFields, isSetField } from './descriptors.ts';

/**
 * A tiny simulated world for one person: each connection's provider stores a record in its own
 * messy form (upper-case emails, padded names, nationally formatted phones), and a fake mapper
 * pulls it back through the shared normalization, as the real connectors do.
 */

interface StoredRecord {
  externalId: string;
  data: Projection;
  updatedAt: string;
}

export interface World {
  ctx: ReconcileContext;
  canonicalId: string;
  canonical: Canonical | null;
  records: Map<string, StoredRecord>;
  links: Map<string, { externalId: string; base: Projection | null }>;
  detached: Set<string>;
  clock: number;
  nextId: number;
}

const formatUs = (e164: string): string =>
  /^\+1\d{10}$/.test(e164) ? `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}` : e164;

/** How the provider writes what it is sent: case, padding and phone formatting differ. */
export const messUp = (p: Projection): Projection => {
  const out: Projection = {};
  for (const [k, v] of Object.entries(p) as [FieldKey, unknown][]) {
    if (Array.isArray(v)) {
      const entries = (v as SetEntry[]).map((e) => ({
        value: k === 'emails' ? e.value.toUpperCase() : k === 'phones' ? formatUs(e.value) : e.value,
        label: e.label === null ? null : ` ${e.label.toUpperCase()}`,
      }));
      (out as Record<string, unknown>)[k] = entries.reverse();
    } else {
      if (typeof v !== 'string') (out as Record<string, unknown>)[k] = v;
      else if (k === 'avatarUrl') (out as Record<string, unknown>)[k] = v.replace('https://img.io', ' HTTPS://IMG.IO');
      else (out as Record<string, unknown>)[k] = `  ${v.replace(/ /g, '   ')} `;
    }
  }
  return out;
};

/** The fake mapper: stored form → normalized projection (phones parsed like a connector does). */
export const pullBack = (data: Projection): Projection =>
  normalizeProjection({
    ...data,
    ...(data.phones ? { phones: data.phones.map((e) => ({ ...e, value: normalizePhone(e.value, 'US').value })) } : {}),
  });

const toCanonical = (p: Projection): Canonical => ({ ...emptyCanonical(), ...p });

/** What a provider can hold of a projection (its own cardinality and label rules). */
export const capacity = (conn: ConnectionPolicy, p: Projection): Projection => {
  const projected = conn.capabilities.project(toCanonical(p)).projection;
  const out: Projection = {};
  for (const f of heldFields(conn.capabilities)) {
    (out as Record<string, unknown>)[f] = projected[f] ?? (isSetField(f) ? [] : null);
  }
  return normalizeProjection(out);
};

const at = (w: World): string => new Date(Date.UTC(2025, 0, 1) + w.clock * 1000).toISOString();

export const sidesOf = (w: World): SideState[] => {
  const sides: SideState[] = [];
  for (const [connectionId, link] of w.links) {
    const rec = w.records.get(connectionId);
    const live = rec && rec.externalId === link.externalId ? rec : null;
    sides.push({
      connectionId,
      externalId: link.externalId,
      base: link.base,
      current: live ? pullBack(live.data) : null,
      updatedAt: live ? live.updatedAt : null,
    });
  }
  return sides;
};

export const reconcileWorld = (w: World): ReconcileResult =>
  reconcileRecord(
    { canonicalId: w.canonicalId, canonical: w.canonical, sides: sidesOf(w), detached: [...w.detached] },
    w.ctx,
  );

/** Applies a plan as the pipeline would: links first, then every op succeeds. */
export const applyResult = (w: World, r: ReconcileResult): void => {
  w.canonical = r.canonical;
  w.clock++;
  for (const l of r.links) {
    if (l.kind === 'set-base') w.links.set(l.connectionId, { externalId: l.externalId, base: l.base });
    else {
      if (w.links.get(l.connectionId)?.externalId === l.externalId) w.links.delete(l.connectionId);
      if (l.kind === 'detach') w.detached.add(l.connectionId);
    }
  }
  for (const op of r.ops) {
    if (op.kind === 'delete') {
      w.records.delete(op.connectionId);
      w.links.delete(op.connectionId);
    } else if (op.kind === 'create') {
      const externalId = `x${w.nextId++}`;
      w.records.set(op.connectionId, { externalId, data: messUp(op.target!), updatedAt: at(w) });
      w.links.set(op.connectionId, { externalId, base: op.baseAfter });
    } else {
      const rec = w.records.get(op.connectionId)!;
      const patch: Projection = {};
      for (const f of op.changed) (patch as Record<string, unknown>)[f] = op.target![f];
      rec.data = { ...rec.data, ...messUp(patch) };
      rec.updatedAt = at(w);
      w.links.set(op.connectionId, { externalId: rec.externalId, base: op.baseAfter });
    }
  }
};

export type Edit =
  | { kind: 'set'; conn: number; field: (typeof SCALAR_FIELDS)[number]; value: string | null }
  | {
      kind: 'add';
      conn: number;
      field: 'emails' | 'phones' | 'websites' | 'chats';
      value: string;
      label: string | null;
    }
  | { kind: 'remove'; conn: number; field: 'emails' | 'phones' | 'websites' | 'chats'; index: number }
  | {
      kind: 'relabel';
      conn: number;
      field: 'emails' | 'phones' | 'websites' | 'chats';
      index: number;
      label: string | null;
    }
  | { kind: 'delete'; conn: number };

/** A change made in a provider by someone else; edits to fields it does not hold are no-ops. */
export const applyEdit = (w: World, e: Edit): void => {
  const conn = w.ctx.connections[e.conn % w.ctx.connections.length]!;
  const rec = w.records.get(conn.id);
  if (!rec) return;
  if (e.kind === 'delete') {
    w.records.delete(conn.id);
    return;
  }
  if (!heldFields(conn.capabilities).includes(e.field)) return;
  const p = pullBack(rec.data);
  if (e.kind === 'set') p[e.field] = e.value;
  else {
    const list = [...(p[e.field] ?? [])];
    if (e.kind === 'add') list.unshift({ value: e.value, label: e.label });
    else if (list.length > 0) {
      const i = e.index % list.length;
      if (e.kind === 'remove') list.splice(i, 1);
      else list[i] = { ...list[i]!, label: e.label };
    }
    p[e.field] = list;
  }
  rec.data = messUp(capacity(conn, p));
  w.clock++;
  rec.updatedAt = at(w);
};
