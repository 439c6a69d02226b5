import type { Rng } from '../shared/prng.ts';
import type { NodepingAddress, NodepingContact } from './schema.ts';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Contacts per customer account (the primary account and its sub-accounts). */
export class NodepingState {
  readonly primaryId: string;
  readonly subaccountIds: string[];
  /** 'observed' (default): API errors come back as HTTP 200 `{error}`, as the notes report; 'documented': 400/403. */
  errorStatus: 'observed' | 'documented' = 'observed';
  private accounts = new Map<string, Map<string, NodepingContact>>();
  private readonly rng: Rng;

  constructor(rng: Rng, primaryId: string, subaccountIds: string[]) {
    this.rng = rng;
    this.primaryId = primaryId;
    this.subaccountIds = subaccountIds;
    for (const id of [primaryId, ...subaccountIds]) this.accounts.set(id, new Map());
  }

  hasAccount(customerId: string): boolean {
    return this.accounts.has(customerId);
  }
  list(customerId = this.primaryId): Record<string, NodepingContact> {
    return Object.fromEntries(this.accounts.get(customerId) ?? []);
  }
  get(id: string, customerId = this.primaryId): NodepingContact | undefined {
    return this.accounts.get(customerId)?.get(id);
  }
  /** A contact in any account (ids carry their customer id, so they are unique across accounts). */
  find(id: string): NodepingContact | undefined {
    for (const account of this.accounts.values()) {
      const contact = account.get(id);
      if (contact) return contact;
    }
    return undefined;
  }
  newAddressId(): string {
    return this.rng.chars(8, ID_CHARS);
  }

  /** Stores a contact as given (no validation): used by the seed, the routes and tests. */
  insert(
    customerId: string,
    data: { name: string; custrole?: string; addresses: NodepingAddress[] | Record<string, NodepingAddress> },
  ): NodepingContact {
    const account = this.accounts.get(customerId);
    if (!account) throw new Error(`unknown customer ${customerId}`);
    const addresses = Array.isArray(data.addresses)
      ? Object.fromEntries(data.addresses.map((a) => [this.newAddressId(), a]))
      : data.addresses;
    const contact: NodepingContact = {
      _id: `${customerId}-${this.rng.chars(8, ID_CHARS)}`,
      type: 'contact',
      customer_id: customerId,
      name: data.name,
      custrole: data.custrole ?? 'view',
      addresses,
    };
    account.set(contact._id, contact);
    return contact;
  }

  update(
    id: string,
    patch: Partial<Pick<NodepingContact, 'name' | 'custrole' | 'addresses'>>,
    customerId = this.primaryId,
  ) {
    const contact = this.get(id, customerId);
    if (contact) Object.assign(contact, patch);
    return contact;
  }

  remove(id: string, customerId = this.primaryId): boolean {
    return this.accounts.get(customerId)?.delete(id) ?? false;
  }

  /** Deletes the first `count` contacts of an account (a simulated mass delete). */
  massDelete(count: number, customerId = this.primaryId): string[] {
    const account = this.accounts.get(customerId);
    if (!account) return [];
    const ids = [...account.keys()].slice(0, count);
    for (const id of ids) account.delete(id);
    return ids;
  }

  count(customerId?: string): number {
    if (customerId) return this.accounts.get(customerId)?.size ?? 0;
    let n = 0;
    for (const a of this.accounts.values()) n += a.size;
    return n;
  }

  snapshot() {
    return Object.fromEntries([...this.accounts].map(([id, contacts]) => [id, Object.fromEntries(contacts)]));
  }
}
