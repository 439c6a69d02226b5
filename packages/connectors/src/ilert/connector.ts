import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import { z } from 'zod';
import { NotFoundError, PermanentError } from '../errors.ts';
import { mapLimit } from '../shared/chunk.ts';
import { normalizeEmail, normalizePhone } from '../shared/normalize.ts';
import { toPulledItem } from '../shared/parse.ts';
import { scanForNaturalKey } from '../shared/scan.ts';
import { diffSubresources, type ExistingEntry } from '../shared/subresource-diff.ts';
import type { Connector, ConnectorConfig, ExternalRecord, ListPage, PulledItem } from '../types.ts';
import { ilertCapabilities } from './capabilities.ts';
import { IlertClient } from './client.ts';
import { fromWire, phoneValue } from './mapper.ts';
import {
  type IlertEmail,
  IlertEmailSchema,
  IlertPersonSchema,
  type IlertPhone,
  IlertPhoneSchema,
  IlertUserSchema,
} from './schema.ts';

/** Users whose contact methods are fetched at once while listing. */
const CONCURRENCY = 8;

/**
 * ilert users with their contact methods, one record per user (externalId = user id).
 * Users are never created or deleted; `update` makes one sub-resource call per changed
 * email or phone number.
 */
export class IlertConnector implements Connector {
  readonly provider = 'ilert' as const;
  readonly capabilities = ilertCapabilities;
  readonly naturalKeyLookup = 'scan' as const;
  readonly client: IlertClient;

  constructor(config: ConnectorConfig) {
    this.client = new IlertClient(config);
  }

  async *list(signal?: AbortSignal): AsyncIterable<PulledItem[]> {
    for await (const users of this.client.userPages(signal)) {
      const items = await mapLimit(users, CONCURRENCY, (raw) => this.#person(raw, signal));
      yield items.filter((i): i is PulledItem => i !== null);
    }
  }

  /**
   * Resumable by user index (the cursor: the next page's `start-index`), each page with its
   * users' contact methods. No total is given, so a shift under the read is not detected.
   */
  async *listFrom(cursor: string | null, signal?: AbortSignal): AsyncIterable<ListPage> {
    for await (const page of this.client.userPagesFrom(cursor === null ? 0 : Number(cursor), signal)) {
      const items = await mapLimit(page.users, CONCURRENCY, (raw) => this.#person(raw, signal));
      yield {
        items: items.filter((i): i is PulledItem => i !== null),
        next: page.next === null ? null : String(page.next),
        total: null,
      };
    }
  }

  async get(externalId: string): Promise<ExternalRecord | null> {
    try {
      const item = await this.#person(await this.client.user(externalId));
      if (!item) return null;
      if (item.kind === 'record') return item.record;
      throw new PermanentError(
        'ilert',
        `ilert user ${externalId} does not match the documented shape: ${item.error}`,
        200,
      );
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  create(): Promise<ExternalRecord> {
    return Promise.reject(
      new PermanentError('ilert', 'ilert: the engine does not create users (canCreate is false)', null),
    );
  }

  async update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord> {
    if (changed.includes('emails') && target.emails)
      await this.#syncEmails(
        externalId,
        target.emails.map((e) => e.value),
      );
    if (changed.includes('phones') && target.phones)
      await this.#syncPhones(
        externalId,
        target.phones.map((e) => e.value),
      );
    const after = await this.get(externalId);
    if (!after) throw new NotFoundError('ilert', `ilert: user ${externalId} not found`, 404);
    return after;
  }

  delete(): Promise<void> {
    return Promise.reject(
      new PermanentError('ilert', 'ilert: the engine does not delete users (canDelete is false)', null),
    );
  }

  /** Streams every user with its contact methods (1 + 2 × users requests). */
  findByNaturalKey(target: Projection): Promise<ExternalRecord | null> {
    return scanForNaturalKey(this.list(), target);
  }

  /** A user and its contact methods as one item; null when the user vanished meanwhile. */
  async #person(rawUser: unknown, signal?: AbortSignal): Promise<PulledItem | null> {
    const user = IlertUserSchema.safeParse(rawUser);
    if (!user.success) return toPulledItem(IlertUserSchema, rawUser, () => ({}) as ExternalRecord);
    const id = String(user.data.id);
    try {
      const [emails, phones] = await Promise.all([
        this.client.contacts(id, 'emails', signal),
        this.client.contacts(id, 'phone-numbers', signal),
      ]);
      const item = toPulledItem(IlertPersonSchema, { user: rawUser, emails, phones }, fromWire);
      return item.kind === 'invalid' ? { ...item, externalId: id } : item;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async #read<S extends z.ZodType>(
    userId: string,
    kind: 'emails' | 'phone-numbers',
    schema: S,
  ): Promise<z.output<S>[]> {
    const parsed = z.array(schema).safeParse(await this.client.contacts(userId, kind));
    if (parsed.success) return parsed.data;
    throw new PermanentError('ilert', `ilert ${kind} of user ${userId} do not match the documented shape`, 200);
  }

  /** Fresh read, then the minimal calls: a changed address is one PUT. */
  async #syncEmails(userId: string, wanted: string[]): Promise<void> {
    const current = await this.#read(userId, 'emails', IlertEmailSchema);
    const existing: ExistingEntry<IlertEmail>[] = current.flatMap((e) => {
      const value = normalizeEmail(e.target);
      return value ? [{ id: e.id, group: 'email', value, label: null, wire: e }] : [];
    });
    const plan = diffSubresources(
      existing,
      wanted.map((value) => ({ group: 'email', value, label: null })),
    );
    for (const { from, to } of plan.update)
      await this.client.putContact(userId, 'emails', from.wire.id, { target: to.value });
    for (const w of plan.create) await this.client.addContact(userId, 'emails', { target: w.value });
    for (const e of plan.remove) await this.#remove(userId, 'emails', e.wire.id);
  }

  async #syncPhones(userId: string, wanted: string[]): Promise<void> {
    const current = await this.#read(userId, 'phone-numbers', IlertPhoneSchema);
    const existing: ExistingEntry<IlertPhone>[] = current.flatMap((p) => {
      const value = phoneValue(p);
      return value ? [{ id: p.id, group: 'phone', value, label: null, wire: p }] : [];
    });
    const plan = diffSubresources(
      existing,
      wanted.map((value) => ({ group: 'phone', value, label: null })),
    );
    const removing = new Set(plan.remove.map((e) => e.id));
    let hasPrimary = current.some((p) => p.primary && !removing.has(p.id));
    const body = (value: string, primary: boolean) => ({
      regionCode: normalizePhone(value)?.region ?? '',
      target: value,
      primary,
    });
    for (const { from, to } of plan.update) {
      await this.client.putContact(userId, 'phone-numbers', from.wire.id, body(to.value, from.wire.primary ?? false));
    }
    for (const w of plan.create) {
      // The first phone of a user without a primary one becomes primary (only one may be).
      await this.client.addContact(userId, 'phone-numbers', body(w.value, !hasPrimary));
      hasPrimary = true;
    }
    for (const e of plan.remove) await this.#remove(userId, 'phone-numbers', e.wire.id);
  }

  async #remove(userId: string, kind: 'emails' | 'phone-numbers', id: number): Promise<void> {
    try {
      await this.client.deleteContact(userId, kind, id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
