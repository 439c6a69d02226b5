import type { FieldKey, Projection, SetField } from '@contact-sync/core/canonical';
import { z } from 'zod';
import { NotFoundError, PermanentError } from '../errors.ts';
import { mapLimit } from '../shared/chunk.ts';
import { toPulledItem } from '../shared/parse.ts';
import { scanForNaturalKey } from '../shared/scan.ts';
import { diffSubresources, type ExistingEntry, type WantedEntry } from '../shared/subresource-diff.ts';
import type { Connector, ConnectorConfig, ExternalRecord, ListPage, PulledItem } from '../types.ts';
import { rServiceCapabilities } from './capabilities.ts';
import { RServiceClient } from './client.ts';
import { canonicalLabel, FIELD_OF, fromWire, KIND_OF, kindOf, normalizeValue, wireLabel } from './mapper.ts';
import {
  type Kind,
  type RServiceContact,
  RServiceContactSchema,
  RServicePersonSchema,
  RServiceRecordSchema,
} from './schema.ts';

const CONCURRENCY = 8;

/**
 * R-Service people with their contacts, one record per person (externalId = person id).
 * People are never created or deleted; `update` makes one call per changed contact.
 */
export class RServiceConnector implements Connector {
  readonly provider = 'r-service' as const;
  readonly capabilities = rServiceCapabilities;
  readonly naturalKeyLookup = 'scan' as const;
  readonly client: RServiceClient;

  constructor(config: ConnectorConfig) {
    this.client = new RServiceClient(config);
  }

  async *list(signal?: AbortSignal): AsyncIterable<PulledItem[]> {
    for await (const people of this.client.pages('/people', signal)) {
      const items = await mapLimit(people, CONCURRENCY, (raw) => this.#record(raw, signal));
      yield items.filter((i): i is PulledItem => i !== null);
    }
  }

  /**
   * Resumable from the rel="next" link of the last page read (the cursor); the total is
   * `X-Pagination-Total-Entries`, which a shift under the read changes.
   */
  async *listFrom(cursor: string | null, signal?: AbortSignal): AsyncIterable<ListPage> {
    for await (const page of this.client.pagesFrom('/people', cursor, signal)) {
      const items = await mapLimit(page.items, CONCURRENCY, (raw) => this.#record(raw, signal));
      yield { items: items.filter((i): i is PulledItem => i !== null), next: page.next, total: page.total };
    }
  }

  async get(externalId: string): Promise<ExternalRecord | null> {
    try {
      const item = await this.#record(await this.client.person(externalId));
      if (!item) return null;
      if (item.kind === 'record') return item.record;
      throw new PermanentError(
        'r-service',
        `r-service person ${externalId} does not match the documented shape: ${item.error}`,
        200,
      );
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  create(): Promise<ExternalRecord> {
    return Promise.reject(
      new PermanentError('r-service', 'r-service: the engine does not create people (canCreate is false)', null),
    );
  }

  /** Fresh read, then the minimal calls: a changed value or label is one PATCH. */
  async update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord> {
    const fields = (['emails', 'phones', 'websites', 'chats'] as const).filter((f) => changed.includes(f) && target[f]);
    if (fields.length > 0) {
      const current = z.array(RServiceContactSchema).safeParse(await this.client.contacts(externalId));
      if (!current.success) {
        throw new PermanentError(
          'r-service',
          `r-service contacts of person ${externalId} do not match the documented shape`,
          200,
        );
      }
      const managed = new Set<SetField>(fields);
      const existing: ExistingEntry<RServiceContact>[] = current.data.flatMap((c) => {
        const kind = kindOf(c);
        const value = normalizeValue(kind, c[kind] ?? '');
        return value && managed.has(FIELD_OF[kind])
          ? [{ id: c.id, group: kind, value, label: canonicalLabel(c.label), wire: c }]
          : [];
      });
      const wanted: WantedEntry[] = fields.flatMap((f) =>
        (target[f] ?? []).map((e) => ({ group: KIND_OF[f], value: e.value, label: e.label })),
      );
      const plan = diffSubresources(existing, wanted);
      const body = (w: WantedEntry) => ({ label: wireLabel(w.group as Kind, w.label), [w.group]: w.value });
      for (const { from, to } of plan.update) await this.client.patchContact(externalId, from.wire.id, body(to));
      for (const w of plan.create) await this.client.addContact(externalId, body(w));
      for (const e of plan.remove) {
        try {
          await this.client.deleteContact(externalId, e.wire.id);
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
    }
    const after = await this.get(externalId);
    if (!after) throw new NotFoundError('r-service', `r-service: person ${externalId} not found`, 404);
    return after;
  }

  delete(): Promise<void> {
    return Promise.reject(
      new PermanentError('r-service', 'r-service: the engine does not delete people (canDelete is false)', null),
    );
  }

  /** Streams every person with their contacts (1 + people requests per 100 people). */
  findByNaturalKey(target: Projection): Promise<ExternalRecord | null> {
    return scanForNaturalKey(this.list(), target);
  }

  async #record(rawPerson: unknown, signal?: AbortSignal): Promise<PulledItem | null> {
    const person = RServicePersonSchema.safeParse(rawPerson);
    if (!person.success) return toPulledItem(RServicePersonSchema, rawPerson, () => ({}) as ExternalRecord);
    try {
      const contacts = await this.client.contacts(String(person.data.id), signal);
      const item = toPulledItem(RServiceRecordSchema, { person: rawPerson, contacts }, fromWire);
      return item.kind === 'invalid' ? { ...item, externalId: String(person.data.id) } : item;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }
}
