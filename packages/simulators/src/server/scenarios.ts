import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChurchpadState } from '../churchpad/state.ts';
import type { NodepingState } from '../nodeping/state.ts';
import type { SeedPerson } from '../seed/people.ts';
import type { ProviderKey } from '../types.ts';
import { PROVIDER_KEYS } from '../types.ts';
import type { ListShift, ProviderDefinition } from './provider.ts';

/** A scenario call that cannot be carried out; `statusCode` is what the control API answers. */
class ScenarioError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** Armed scenarios that are still waiting for their requests (providers with 0 left are left out). */
export interface PendingScenarios {
  emptyList: Partial<Record<ProviderKey, number>>;
  deleteAfterCreate: Partial<Record<ProviderKey, number>>;
  shiftList: Partial<Record<ProviderKey, { change: ListShift; count: number }>>;
}

export interface SharedLandline {
  /** The landline (E.164) the three records share. */
  phone: string;
  /** The two ChurchPad contacts (different names and e-mails, the same `phone`). */
  churchpad: [string, string];
  /** The NodePing "<Family name> Family" contact, whose only address is the landline as `voice`. */
  nodeping: string;
}

/** `sandbox.scenarios`: each safety situation on demand (also under `/_control/scenarios`). */
export interface SandboxScenarios {
  /** The next `count` listings of the provider's contacts answer an empty list (0 cancels); returns `count`. */
  emptyList(provider: ProviderKey, count?: number): number;
  /** Sets a stored record's raw field at a dotted path to any JSON value, bypassing validation. */
  corrupt(provider: ProviderKey, id: string, path: string, value: unknown): void;
  /** Two ChurchPad contacts sharing one landline, and a NodePing family contact with only that number. */
  sharedLandline(opts?: { phone?: string }): SharedLandline;
  /** The next `count` contacts created through the provider's API are deleted once the create has answered. */
  deleteAfterCreate(provider: ProviderKey, count?: number): number;
  /**
   * After each of the next `count` pages of a listing of the provider's contacts, a contact is
   * inserted (sorting first) or the first one deleted, as another client would between two page
   * requests: the offsets of the later pages shift, so a record is seen twice (insert) or skipped
   * (delete), and the list's total changes. ChurchPad and Grow CRM (the offset-paged lists).
   */
  shiftList(provider: ProviderKey, change: ListShift, count?: number): number;
  pending(): PendingScenarios;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const LANDLINE_FAMILY = 'Hallström';
/** E.164 that fits ChurchPad's 15-character `phone`. */
export const E164_LANDLINE = /^\+[1-9]\d{6,13}$/;

/** National digits, the way the seed keeps numbers apart: no country code, no trunk 0. */
const nationalDigits = (national: string) => national.replace(/\D/g, '').replace(/^0+/, '');

/**
 * Pending counters and the scenario actions. The shared pipeline asks `takeEmptyList` before a
 * handler runs and `takeDeleteAfterCreate` once an answer is final; the rest is per provider
 * (`emptyList`, `rawRecord`, `deleteCreated` on its `ProviderDefinition`).
 */
export class Scenarios implements SandboxScenarios {
  private readonly emptyLists = new Map<ProviderKey, number>();
  private readonly deletes = new Map<ProviderKey, number>();
  private readonly shifts = new Map<ProviderKey, { change: ListShift; count: number }>();
  private readonly defs: Record<ProviderKey, ProviderDefinition>;
  private readonly people: SeedPerson[];
  private readonly churchpad: ChurchpadState;
  private readonly nodeping: NodepingState;

  constructor(
    defs: Record<ProviderKey, ProviderDefinition>,
    people: SeedPerson[],
    states: { churchpad: ChurchpadState; nodeping: NodepingState },
  ) {
    this.defs = defs;
    this.people = people;
    this.churchpad = states.churchpad;
    this.nodeping = states.nodeping;
  }

  emptyList(provider: ProviderKey, count = 1): number {
    checkCount(count);
    this.emptyLists.set(provider, count);
    return count;
  }

  deleteAfterCreate(provider: ProviderKey, count = 1): number {
    checkCount(count);
    if (!this.defs[provider].deleteCreated) {
      throw new ScenarioError(400, `${provider}: contacts are not created through its API`);
    }
    this.deletes.set(provider, count);
    return count;
  }

  shiftList(provider: ProviderKey, change: ListShift, count = 1): number {
    checkCount(count);
    if (change !== 'insert' && change !== 'delete') throw new ScenarioError(400, 'change must be insert or delete');
    if (!this.defs[provider].shiftList) throw new ScenarioError(400, `${provider}: its list is not offset-paged`);
    this.shifts.set(provider, { change, count });
    return count;
  }

  /** After a listing page answered: makes the armed change, if one is pending; returns the id it touched. */
  takeShiftList(def: ProviderDefinition, req: FastifyRequest, status: number): string | null {
    const armed = this.shifts.get(def.key);
    if (!armed || armed.count <= 0 || !def.shiftList || status !== 200) return null;
    const id = def.shiftList(req, armed.change);
    if (id !== null) this.shifts.set(def.key, { ...armed, count: armed.count - 1 });
    return id;
  }

  corrupt(provider: ProviderKey, id: string, path: string, value: unknown): void {
    const record = this.defs[provider].rawRecord?.(id);
    if (!record) throw new ScenarioError(404, `${provider}: no record ${id}`);
    const keys = path.split('.');
    if (keys.some((k) => k === '' || FORBIDDEN_KEYS.has(k))) throw new ScenarioError(400, `bad path "${path}"`);
    const [head, ...rest] = keys as [string, ...string[]];
    const list = record.lists && Object.hasOwn(record.lists, head) ? record.lists[head] : undefined;
    if (list && rest.length === 0) throw new ScenarioError(400, `"${head}" is a list: name an entry, e.g. ${head}.0`);
    const [start, walk] = list ? [list, rest] : [record.root, keys];
    const set = () => setRawPath(start, walk, value, path);
    if (record.edit) record.edit(set);
    else set();
  }

  sharedLandline(opts: { phone?: string } = {}): SharedLandline {
    const phone = opts.phone ?? this.freeLandline();
    if (opts.phone !== undefined) {
      if (!E164_LANDLINE.test(phone)) throw new ScenarioError(400, 'phone must be E.164 (+ and 7–14 digits)');
      const d = phone.slice(1);
      for (const nat of this.seededDigits()) {
        if (d.endsWith(nat) && d.length - nat.length <= 3)
          throw new ScenarioError(400, `${phone} belongs to a seeded person`);
      }
    }
    const tag = phone.replace(/\D/g, '').slice(-4);
    const now = new Date().toISOString();
    const member = (first_name: string) =>
      this.churchpad.insert({
        first_name,
        last_name: LANDLINE_FAMILY,
        phone,
        email: `${first_name.toLowerCase()}.hallstrom.${tag}@example.net`,
        created_at: now,
        updated_at: now,
      }).id;
    const churchpad: [string, string] = [member('Ingrid'), member('Mats')];
    const family = this.nodeping.insert(this.nodeping.primaryId, {
      name: `${LANDLINE_FAMILY} Family`,
      custrole: 'notify',
      addresses: [{ address: phone, type: 'voice' }],
    });
    return { phone, churchpad, nodeping: family._id };
  }

  pending(): PendingScenarios {
    const live = (m: Map<ProviderKey, number>) =>
      Object.fromEntries(PROVIDER_KEYS.filter((k) => (m.get(k) ?? 0) > 0).map((k) => [k, m.get(k)]));
    const shifts = Object.fromEntries(
      PROVIDER_KEYS.filter((k) => (this.shifts.get(k)?.count ?? 0) > 0).map((k) => [k, this.shifts.get(k)!]),
    );
    return { emptyList: live(this.emptyLists), deleteAfterCreate: live(this.deletes), shiftList: shifts };
  }

  /** The empty list body if this request is the first page of a listing and one is pending. */
  takeEmptyList(def: ProviderDefinition, req: FastifyRequest, reply: FastifyReply): unknown {
    const left = this.emptyLists.get(def.key) ?? 0;
    if (left <= 0 || !def.emptyList) return undefined;
    const body = def.emptyList(req, reply);
    if (body !== undefined) this.emptyLists.set(def.key, left - 1);
    return body;
  }

  /** Deletes the record a successful create just made, if one is pending; returns its id. */
  takeDeleteAfterCreate(def: ProviderDefinition, req: FastifyRequest, status: number, payload: unknown): string | null {
    const left = this.deletes.get(def.key) ?? 0;
    if (left <= 0 || !def.deleteCreated || status >= 300) return null;
    let body: unknown = payload;
    if (typeof payload === 'string') {
      try {
        body = JSON.parse(payload);
      } catch {
        return null;
      }
    }
    const id = def.deleteCreated(req, status, body);
    if (id !== null) this.deletes.set(def.key, left - 1);
    return id;
  }

  /** A Berlin landline (+49 30 1…: the seed's Berlin numbers start with 2–9) that nobody holds. */
  private freeLandline(): string {
    const taken = this.seededDigits();
    for (const c of this.churchpad.all()) taken.add(nationalDigits(String(c.phone).replace(/^\+49/, '')));
    for (let n = 0; ; n++) {
      const local = `1${String(n).padStart(6, '0')}`;
      if (!taken.has(`30${local}`)) return `+4930${local}`;
    }
  }

  private seededDigits(): Set<string> {
    const out = new Set<string>();
    for (const p of this.people) {
      for (const phone of [p.phone, p.mobile]) if (phone) out.add(nationalDigits(phone.national));
    }
    return out;
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new ScenarioError(400, 'count must be a whole number ≥ 0');
}

/**
 * Sets `keys` under `start` to `value` in place. Every segment but the last must exist; an array
 * segment is an existing index. The last one may name a new field of an object.
 */
function setRawPath(start: unknown, keys: string[], value: unknown, path: string): void {
  let node = start;
  for (const [i, key] of keys.entries()) {
    const last = i === keys.length - 1;
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(key) ? Number(key) : -1;
      if (index < 0 || index >= node.length) throw new ScenarioError(400, `no entry ${key} at "${path}"`);
      if (last) node[index] = value;
      else node = node[index];
    } else if (typeof node === 'object' && node !== null) {
      const obj = node as Record<string, unknown>;
      if (last) obj[key] = value;
      else if (!Object.hasOwn(obj, key)) throw new ScenarioError(400, `no field ${key} at "${path}"`);
      else node = obj[key];
    } else {
      throw new ScenarioError(400, `"${path}" goes through a value that is not an object or a list`);
    }
  }
}
