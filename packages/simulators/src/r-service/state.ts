import { KINDS, type RServiceContact, type RServicePerson } from './schema.ts';

const stamp = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The documented field order: label, id, the kind, integration. */
function ordered(c: RServiceContact): RServiceContact {
  const out = { label: c.label, id: c.id } as RServiceContact;
  for (const k of KINDS) if (c[k] !== undefined) out[k] = c[k];
  out.integration = c.integration;
  return out;
}

/** People in id order (O(page) listing) and each person's contact details. */
export class RServiceState {
  private people = new Map<number, RServicePerson>();
  private order: number[] = [];
  private contacts = new Map<number, RServiceContact[]>();
  private nextPersonId = 1;
  private nextContactId = 1000;

  count(): number {
    return this.order.length;
  }
  page(offset: number, limit: number): RServicePerson[] {
    return this.order.slice(offset, offset + limit).map((id) => this.people.get(id)!);
  }
  enabled(): RServicePerson[] {
    return this.order.map((id) => this.people.get(id)!).filter((p) => !p.disabled);
  }
  getPerson(id: number): RServicePerson | undefined {
    return this.people.get(id);
  }

  addPerson(data: Omit<RServicePerson, 'id' | 'created_at' | 'updated_at'> & { created?: number; updated?: number }) {
    const { created, updated, ...rest } = data;
    const person: RServicePerson = {
      id: this.nextPersonId++,
      ...rest,
      created_at: stamp(created),
      updated_at: stamp(updated ?? created),
    };
    this.people.set(person.id, person);
    this.order.push(person.id);
    this.contacts.set(person.id, []);
    return person;
  }
  updatePerson(id: number, patch: Partial<Omit<RServicePerson, 'id' | 'created_at'>>) {
    const person = this.people.get(id);
    if (person) Object.assign(person, patch, { updated_at: stamp() });
    return person;
  }
  removePerson(id: number): boolean {
    if (!this.people.delete(id)) return false;
    this.order.splice(this.order.indexOf(id), 1);
    this.contacts.delete(id);
    return true;
  }

  listContacts(personId: number): RServiceContact[] | undefined {
    return this.contacts.get(personId);
  }
  getContact(personId: number, id: number): RServiceContact | undefined {
    return this.contacts.get(personId)?.find((c) => c.id === id);
  }
  /** Stores a contact as given (no validation): used by the seed, the routes and tests. */
  addContact(personId: number, data: Omit<RServiceContact, 'id' | 'integration'> & { integration?: boolean }) {
    const list = this.contacts.get(personId);
    if (!list) throw new Error(`unknown person ${personId}`);
    const contact = ordered({ integration: false, ...data, id: this.nextContactId++ });
    list.push(contact);
    return contact;
  }
  updateContact(personId: number, id: number, patch: Partial<Omit<RServiceContact, 'id'>>) {
    const contact = this.getContact(personId, id);
    if (!contact) return undefined;
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === undefined) delete (contact as unknown as Record<string, unknown>)[k];
      else (contact as unknown as Record<string, unknown>)[k] = v;
    }
    const result = ordered(contact);
    const list = this.contacts.get(personId)!;
    list[list.indexOf(contact)] = result;
    return result;
  }
  removeContact(personId: number, id: number): boolean {
    const list = this.contacts.get(personId);
    const i = list?.findIndex((c) => c.id === id) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    return true;
  }
  removeAllContacts(personId: number): boolean {
    if (!this.contacts.has(personId)) return false;
    this.contacts.set(personId, []);
    return true;
  }

  snapshot() {
    return { people: this.order.map((id) => ({ ...this.people.get(id)!, contacts: this.contacts.get(id)! })) };
  }
}
