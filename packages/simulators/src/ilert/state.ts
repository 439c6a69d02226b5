import type { ContactStatus, IlertEmail, IlertPhone, IlertUser } from './schema.ts';

export class IlertError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const notFound = (what: string) => new IlertError(404, 'NOT_FOUND', `${what} not found`);

/** In-memory ilert account: users (ordered by id for O(page) listing) and their contact methods. */
export class IlertState {
  private users = new Map<number, IlertUser>();
  private order: number[] = [];
  private emails = new Map<number, IlertEmail[]>();
  private phones = new Map<number, IlertPhone[]>();
  private nextUserId = 1000;
  private nextContactId = 500_000;
  /** The user who owns the API key (`GET /users/current`). */
  currentUserId: number | null = null;

  // ---- users ----
  listUsers(start = 0, max = Number.POSITIVE_INFINITY): IlertUser[] {
    return this.order.slice(start, start + max).map((id) => this.users.get(id)!);
  }
  userCount(): number {
    return this.order.length;
  }
  findUser(id: number): IlertUser | undefined {
    return this.users.get(id);
  }
  getUser(id: number): IlertUser {
    const u = this.users.get(id);
    if (!u) throw notFound('User');
    return u;
  }
  addUser(
    data: Omit<IlertUser, 'id' | 'createdAt' | 'updatedAt'> & { createdAt?: string; updatedAt?: string },
  ): IlertUser {
    const now = new Date().toISOString();
    const user: IlertUser = {
      id: this.nextUserId++,
      ...data,
      createdAt: data.createdAt ?? now,
      updatedAt: data.updatedAt ?? now,
    };
    this.users.set(user.id, user);
    this.order.push(user.id);
    this.emails.set(user.id, []);
    this.phones.set(user.id, []);
    if (this.currentUserId === null) this.currentUserId = user.id;
    return user;
  }
  updateUser(id: number, patch: Partial<Omit<IlertUser, 'id' | 'createdAt'>>): IlertUser {
    const user = this.getUser(id);
    Object.assign(user, patch, { updatedAt: new Date().toISOString() });
    return user;
  }
  deleteUser(id: number): void {
    this.getUser(id);
    this.users.delete(id);
    this.order.splice(this.order.indexOf(id), 1);
    this.emails.delete(id);
    this.phones.delete(id);
  }
  /** The pre-2023 PUT gotcha: the user's contact methods are wiped. */
  resetContacts(userId: number): void {
    this.getUser(userId);
    this.emails.set(userId, []);
    this.phones.set(userId, []);
  }

  // ---- emails ----
  listEmails(userId: number): IlertEmail[] {
    this.getUser(userId);
    return this.emails.get(userId)!;
  }
  getEmail(userId: number, id: number): IlertEmail {
    const e = this.listEmails(userId).find((x) => x.id === id);
    if (!e) throw notFound('Email');
    return e;
  }
  addEmail(userId: number, target: string, status: ContactStatus = 'OK'): IlertEmail {
    const list = this.listEmails(userId);
    this.assertUniqueEmail(list, target, null);
    const email: IlertEmail = { id: this.nextContactId++, target, status };
    list.push(email);
    return email;
  }
  updateEmail(userId: number, id: number, patch: { target?: string; status?: ContactStatus }): IlertEmail {
    const email = this.getEmail(userId, id);
    if (patch.target !== undefined) this.assertUniqueEmail(this.listEmails(userId), patch.target, id);
    Object.assign(email, patch);
    return email;
  }
  deleteEmail(userId: number, id: number): void {
    const list = this.listEmails(userId);
    const i = list.findIndex((x) => x.id === id);
    if (i < 0) throw notFound('Email');
    list.splice(i, 1);
  }
  private assertUniqueEmail(list: IlertEmail[], target: string, selfId: number | null): void {
    if (list.some((e) => e.id !== selfId && e.target.toLowerCase() === target.toLowerCase())) {
      throw new IlertError(400, 'CONTACT_ALREADY_EXISTS', 'An email contact with this target already exists');
    }
  }

  // ---- phone numbers ----
  listPhones(userId: number): IlertPhone[] {
    this.getUser(userId);
    return this.phones.get(userId)!;
  }
  getPhone(userId: number, id: number): IlertPhone {
    const p = this.listPhones(userId).find((x) => x.id === id);
    if (!p) throw notFound('Phone number');
    return p;
  }
  addPhone(
    userId: number,
    data: { regionCode: string; target: string; primary?: boolean },
    status: ContactStatus = 'OK',
  ): IlertPhone {
    const list = this.listPhones(userId);
    const primary = data.primary ?? false;
    if (primary) this.assertNoOtherPrimary(list, null);
    const phone: IlertPhone = {
      id: this.nextContactId++,
      regionCode: data.regionCode,
      target: data.target,
      primary,
      status,
    };
    list.push(phone);
    return phone;
  }
  updatePhone(
    userId: number,
    id: number,
    patch: { regionCode?: string; target?: string; primary?: boolean; status?: ContactStatus },
  ): IlertPhone {
    const phone = this.getPhone(userId, id);
    if (patch.primary) this.assertNoOtherPrimary(this.listPhones(userId), id);
    Object.assign(phone, patch);
    return phone;
  }
  deletePhone(userId: number, id: number): void {
    const list = this.listPhones(userId);
    const i = list.findIndex((x) => x.id === id);
    if (i < 0) throw notFound('Phone number');
    list.splice(i, 1);
  }
  private assertNoOtherPrimary(list: IlertPhone[], selfId: number | null): void {
    if (list.some((p) => p.primary && p.id !== selfId)) {
      throw new IlertError(400, 'PRIMARY_PHONE_EXISTS', 'Only one phone number may be primary at a time');
    }
  }

  snapshot() {
    return {
      currentUserId: this.currentUserId,
      users: this.order.map((id) => ({
        ...this.users.get(id)!,
        contacts: { emails: this.emails.get(id)!, phoneNumbers: this.phones.get(id)! },
      })),
    };
  }
}
