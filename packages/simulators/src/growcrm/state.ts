import type { GrowClient, GrowContact, ListQuery, SORT_FIELDS } from './schema.ts';

/** Laravel's timestamp serialization: microseconds and a Z. */
const growDate = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class GrowError extends Error {
  readonly status: number;
  readonly errors: Record<string, string[]> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string[]>) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

type SortField = (typeof SORT_FIELDS)[number];

/**
 * Clients, the non-contact team users (they share the e-mail uniqueness rule) and contacts.
 * Live contacts are kept in id order so an unfiltered page is a slice; filtered or sorted
 * views are cached until the next write.
 */
export class GrowState {
  readonly clients = new Map<number, GrowClient>();
  private contacts = new Map<number, GrowContact>();
  private deleted = new Map<number, GrowContact>();
  private live: GrowContact[] = [];
  /** Lower-cased e-mail → owner ('team' or contact id). MySQL's default collation is case-insensitive. */
  private emails = new Map<string, number | 'team'>();
  private teamEmails: string[] = [];
  private nextId = 1;
  private nextClientId = 1;
  private version = 0;
  private viewCache: { key: string; version: number; rows: GrowContact[] } | null = null;
  /**
   * Live contacts by lower-cased e-mail domain, and those with an "@" in a name or phone: a
   * search for an address (what a connector does before each create) only needs to look where
   * such a substring can be, instead of at every contact (quadratic over an initial sync).
   */
  private byDomain = new Map<string, Set<GrowContact>>();
  /** By the local part's last TAIL characters and the domain: an e-mail search finds its few candidates. */
  private byTail = new Map<string, Set<GrowContact>>();
  private atElsewhere = new Set<GrowContact>();

  addClient(company_name: string): GrowClient {
    const client = { id: this.nextClientId++, company_name };
    this.clients.set(client.id, client);
    return client;
  }
  addTeamUser(email: string): void {
    this.teamEmails.push(email);
    this.emails.set(email.toLowerCase(), 'team');
  }

  emailTaken(email: string, exceptId?: number): boolean {
    const owner = this.emails.get(email.toLowerCase());
    return owner !== undefined && owner !== exceptId;
  }

  get(id: number): GrowContact | undefined {
    return this.contacts.get(id);
  }

  /** Stores a contact as given (no uniqueness or client checks): used by the seed and by tests. */
  insert(data: {
    first_name: string;
    last_name: string;
    email: string;
    phone?: string | null;
    job_position?: string | null;
    clientId: number | null;
    account_owner?: 'yes' | 'no';
    status?: string;
    created?: number;
    updated?: number;
  }): GrowContact {
    const now = Date.now();
    const contact: GrowContact = {
      id: this.nextId++,
      first_name: data.first_name,
      last_name: data.last_name,
      name: `${data.first_name} ${data.last_name}`,
      email: data.email,
      phone: data.phone ?? null,
      job_position: data.job_position ?? null,
      account_owner: data.account_owner ?? 'no',
      status: data.status ?? 'active',
      client: data.clientId === null ? null : (this.clients.get(data.clientId) ?? null),
      role: { id: 2, name: 'Client' },
      social: { twitter: null, facebook: null, linkedin: null },
      dates: { created: growDate(data.created ?? now), updated: growDate(data.updated ?? data.created ?? now) },
    };
    this.contacts.set(contact.id, contact);
    this.live.push(contact);
    this.emails.set(contact.email.toLowerCase(), contact.id);
    this.index(contact);
    this.version++;
    return contact;
  }

  update(
    id: number,
    patch: Partial<
      Pick<GrowContact, 'first_name' | 'last_name' | 'email' | 'phone' | 'job_position' | 'account_owner' | 'status'>
    >,
  ) {
    const contact = this.contacts.get(id);
    if (!contact) return undefined;
    if (patch.email !== undefined && patch.email.toLowerCase() !== lower(contact.email)) {
      this.emails.delete(lower(contact.email));
      this.emails.set(patch.email.toLowerCase(), id);
    }
    this.unindex(contact);
    Object.assign(contact, patch);
    this.index(contact);
    contact.name = `${contact.first_name} ${contact.last_name}`;
    contact.dates.updated = growDate(Date.now());
    this.version++;
    return contact;
  }

  /** Only one account owner per client: the previous one becomes `no`. */
  setAccountOwner(id: number): GrowContact {
    const contact = this.contacts.get(id);
    if (!contact) throw new GrowError(404, 'Contact not found.');
    if (!contact.client) throw new GrowError(409, 'The contact does not belong to a client account.');
    for (const other of this.live) {
      if (other.client?.id === contact.client.id && other.account_owner === 'yes' && other.id !== id) {
        this.update(other.id, { account_owner: 'no' });
      }
    }
    return this.update(id, { account_owner: 'yes' })!;
  }

  /** Soft delete: gone from lists and 404 on get; the e-mail becomes free again (assumed). */
  softDelete(id: number): boolean {
    const contact = this.contacts.get(id);
    if (!contact) return false;
    this.contacts.delete(id);
    this.deleted.set(id, contact);
    contact.status = 'deleted';
    this.unindex(contact);
    this.live.splice(this.live.indexOf(contact), 1);
    if (this.emails.get(lower(contact.email)) === id) this.emails.delete(lower(contact.email));
    this.version++;
    return true;
  }

  massDelete(count: number): number[] {
    const ids = this.live.slice(0, count).map((c) => c.id);
    for (const id of ids) this.softDelete(id);
    return ids;
  }

  count(): number {
    return this.live.length;
  }

  /** The rows a list query selects, in order. Unfiltered id order is the live array itself. */
  view(q: ListQuery): GrowContact[] {
    const filtered = q.status !== undefined || q.client_id !== undefined || q.account_owner !== undefined || !!q.search;
    const order = q.order ?? 'asc';
    if (!filtered && !q.sort && order === 'asc') return this.live;
    const key = JSON.stringify([q.status, q.client_id, q.account_owner, q.search, q.sort, order]);
    if (this.viewCache?.key === key && this.viewCache.version === this.version) return this.viewCache.rows;
    const needle = q.search?.toLowerCase();
    const source =
      q.status === 'deleted' ? [...this.deleted.values()] : needle?.includes('@') ? this.mayContain(needle) : this.live;
    let rows = source.filter(
      (c) =>
        (q.status === undefined || c.status === q.status) &&
        (q.client_id === undefined || c.client?.id === q.client_id) &&
        (q.account_owner === undefined || c.account_owner === q.account_owner) &&
        (!needle ||
          lower(c.first_name).includes(needle) ||
          lower(c.last_name).includes(needle) ||
          lower(c.email).includes(needle) ||
          lower(c.phone).includes(needle)),
    );
    if (q.sort) {
      const field = q.sort as SortField;
      const get = (c: GrowContact) => (field === 'created' || field === 'updated' ? c.dates[field] : lower(c[field]));
      rows = rows.sort((a, b) => (get(a) < get(b) ? -1 : get(a) > get(b) ? 1 : a.id - b.id));
    }
    if (order === 'desc') rows = q.sort ? rows.reverse() : [...rows].reverse();
    this.viewCache = { key, version: this.version, rows };
    return rows;
  }

  private index(c: GrowContact): void {
    const { domain, tailKey } = emailKeys(c.email);
    addTo(this.byDomain, domain, c);
    if (tailKey) addTo(this.byTail, tailKey, c);
    if (`${c.first_name}${c.last_name}${c.phone ?? ''}`.includes('@')) this.atElsewhere.add(c);
  }

  private unindex(c: GrowContact): void {
    const { domain, tailKey } = emailKeys(c.email);
    this.byDomain.get(domain)?.delete(c);
    if (tailKey) this.byTail.get(tailKey)?.delete(c);
    this.atElsewhere.delete(c);
  }

  /**
   * Live contacts, in id order, that can contain `needle` (which holds an "@"). An e-mail has one
   * "@", so it can only if its domain starts with what follows the needle's last "@" and its local
   * part ends with what precedes it; with TAIL characters or more before the "@", the tail index
   * narrows a domain's thousands of contacts to the few sharing that tail (a search per create
   * made the initial sync quadratic in Grow CRM's size).
   */
  private mayContain(needle: string): GrowContact[] {
    const at = needle.lastIndexOf('@');
    const before = needle.slice(0, at);
    const after = needle.slice(at + 1);
    const out = new Set(this.atElsewhere);
    for (const [domain, set] of this.byDomain) {
      if (!domain.startsWith(after)) continue;
      const candidates = before.length >= TAIL ? this.byTail.get(`${before.slice(-TAIL)}@${domain}`) : set;
      for (const c of candidates ?? []) out.add(c);
    }
    return [...out].sort((a, b) => a.id - b.id);
  }

  /**
   * Changes a stored contact in place, bypassing validation (the `corrupt` scenario): the search
   * indexes, the e-mail owner map and the view cache follow. Values need not be strings.
   */
  rawEdit(id: number, change: (contact: GrowContact) => void): boolean {
    const contact = this.contacts.get(id);
    if (!contact) return false;
    if (this.emails.get(lower(contact.email)) === id) this.emails.delete(lower(contact.email));
    this.unindex(contact);
    change(contact);
    this.index(contact);
    if (typeof contact.email === 'string' && !this.emails.has(lower(contact.email))) {
      this.emails.set(lower(contact.email), id);
    }
    this.version++;
    return true;
  }

  snapshot() {
    return {
      clients: [...this.clients.values()],
      teamEmails: this.teamEmails,
      contacts: this.live,
      deleted: [...this.deleted.values()],
    };
  }
}

const TAIL = 3;

/** Lower case of a stored field; a corrupted record may hold a number or null there. */
const lower = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? '')).toLowerCase();

/** The e-mail's lower-case domain, and its tail key (the local part's last TAIL characters @ domain). */
function emailKeys(email: string): { domain: string; tailKey: string | null } {
  const lowered = lower(email);
  const at = lowered.lastIndexOf('@');
  const domain = at < 0 ? lowered : lowered.slice(at + 1);
  const local = at < 0 ? '' : lowered.slice(0, at);
  return { domain, tailKey: local.length >= TAIL ? `${local.slice(-TAIL)}@${domain}` : null };
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
