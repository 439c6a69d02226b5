import type { Rng } from '../shared/prng.ts';
import type { ChurchpadContact } from './schema.ts';
import type { ChurchpadTokens } from './tokens.ts';

/** Contacts in creation order (list order), with an id index for O(1) lookups. */
export class ChurchpadState {
  private byId = new Map<string, ChurchpadContact>();
  private order: string[] = [];
  private readonly rng: Rng;
  /** The access tokens the API accepts (`issue`, `expire`); set by the provider factory. */
  tokens!: ChurchpadTokens;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  count(): number {
    return this.order.length;
  }
  page(offset: number, limit: number): ChurchpadContact[] {
    return this.order.slice(offset, offset + limit).map((id) => this.byId.get(id)!);
  }
  all(): ChurchpadContact[] {
    return this.page(0, this.order.length);
  }
  get(id: string): ChurchpadContact | undefined {
    return this.byId.get(id);
  }

  /** Stores a contact as given (no validation): used by the seed and by tests. */
  insert(data: Partial<ChurchpadContact> & Pick<ChurchpadContact, 'first_name' | 'last_name' | 'phone' | 'email'>) {
    const now = new Date().toISOString();
    const id = data.id ?? this.rng.uuid();
    const contact: ChurchpadContact = {
      id,
      legacy_id: null,
      nextgen_legacy_id: null,
      created_at: now,
      updated_at: now,
      middle_name: null,
      avatar: null,
      is_manual: false,
      ...data,
    } as ChurchpadContact;
    contact.id = id;
    this.byId.set(contact.id, contact);
    this.order.push(contact.id);
    return contact;
  }

  /** Applies a change and bumps `updated_at` (what the service does on any save). */
  update(id: string, patch: Partial<Omit<ChurchpadContact, 'id' | 'created_at'>>): ChurchpadContact | undefined {
    const contact = this.byId.get(id);
    if (!contact) return undefined;
    Object.assign(contact, patch, { updated_at: new Date().toISOString() });
    return contact;
  }

  /** Moves a stored contact to the front of the list order (a listing sorted by something it leads). */
  moveFirst(id: string): void {
    const at = this.order.indexOf(id);
    if (at > 0) this.order.unshift(...this.order.splice(at, 1));
  }

  remove(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    this.order.splice(this.order.indexOf(id), 1);
    return true;
  }

  /** Deletes `count` contacts from the front of the list (a simulated mass delete); returns their ids. */
  massDelete(count: number): string[] {
    const ids = this.order.slice(0, count);
    for (const id of ids) this.byId.delete(id);
    this.order = this.order.slice(ids.length);
    return ids;
  }

  snapshot() {
    return { count: this.count(), results: this.all() };
  }
}
