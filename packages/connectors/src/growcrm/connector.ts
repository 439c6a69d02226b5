import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import { NotFoundError, PermanentError } from '../errors.ts';
import { createAdopting } from '../shared/create.ts';
import { createRetryOptions, stringOption } from '../shared/options.ts';
import { toPulledItem } from '../shared/parse.ts';
import { matchNaturalKey } from '../shared/scan.ts';
import type { Connector, ConnectorConfig, ExternalRecord, ListPage, PulledItem } from '../types.ts';
import { growcrmCapabilities } from './capabilities.ts';
import { GrowcrmClient } from './client.ts';
import { fromWire, toWire } from './mapper.ts';
import { GrowcrmContactSchema } from './schema.ts';

/** Options: `clientId` (required for creates: the client account new contacts belong to). */
export class GrowcrmConnector implements Connector {
  readonly provider = 'growcrm' as const;
  readonly capabilities = growcrmCapabilities;
  readonly naturalKeyLookup = 'search' as const;
  readonly client: GrowcrmClient;
  readonly #config: ConnectorConfig;

  constructor(config: ConnectorConfig) {
    this.#config = config;
    this.client = new GrowcrmClient(config);
  }

  /** Resumable by page number (the cursor); `meta.total` is the total a shift under the read changes. */
  async *listFrom(cursor: string | null, signal?: AbortSignal): AsyncIterable<ListPage> {
    for await (const p of this.client.pagesFrom(cursor === null ? 1 : Number(cursor), {}, signal)) {
      yield {
        items: p.data.map((item) => toPulledItem(GrowcrmContactSchema, item, fromWire)),
        next: p.nextPage === null ? null : String(p.nextPage),
        total: p.total,
      };
    }
  }

  async *list(signal?: AbortSignal): AsyncIterable<PulledItem[]> {
    for await (const raw of this.client.pages({}, signal)) {
      yield raw.map((item) => toPulledItem(GrowcrmContactSchema, item, fromWire));
    }
  }

  async get(externalId: string): Promise<ExternalRecord | null> {
    try {
      return this.#parse(await this.client.get(externalId));
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  create(target: Projection): Promise<ExternalRecord> {
    const clientid = stringOption(this.#config, 'clientId');
    if (!clientid) {
      return Promise.reject(
        new PermanentError(
          'growcrm',
          'growcrm: the connection option clientId is required to create contacts',
          null,
          'clientid',
        ),
      );
    }
    const body = { ...toWire(target), clientid: /^\d+$/.test(clientid) ? Number(clientid) : clientid };
    return createAdopting(
      async () => this.#parse(await this.client.create(body)),
      () => this.findByNaturalKey(target),
      createRetryOptions(this.#config),
    );
  }

  /**
   * One PUT. first_name, last_name and email are required on every update, so fields the
   * target leaves out (omitted by `project`) are filled from a fresh read.
   */
  async update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord> {
    const held = this.capabilities.fields;
    if (!changed.some((f) => held.includes(f))) {
      const current = await this.get(externalId);
      if (!current) throw new NotFoundError('growcrm', `growcrm: contact ${externalId} not found`, 404);
      return current;
    }
    let full = target;
    if (held.some((f) => !(f in target))) {
      const current = await this.get(externalId);
      if (!current) throw new NotFoundError('growcrm', `growcrm: contact ${externalId} not found`, 404);
      full = { ...current.projection, ...target };
    }
    return this.#parse(await this.client.update(externalId, toWire(full)));
  }

  /** Soft delete; an already deleted contact answers 404, which counts as deleted. */
  async delete(externalId: string): Promise<void> {
    try {
      await this.client.delete(externalId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** One search request on the email (free-text search covers email), then an exact match. */
  async findByNaturalKey(target: Projection): Promise<ExternalRecord | null> {
    const email = target.emails?.[0]?.value;
    if (!email) return null;
    const found: ExternalRecord[] = [];
    for await (const page of this.client.pages({ search: email })) {
      for (const raw of page) {
        const item = toPulledItem(GrowcrmContactSchema, raw, fromWire);
        if (item.kind === 'record') found.push(item.record);
      }
    }
    return matchNaturalKey(found, target);
  }

  #parse(body: unknown): ExternalRecord {
    const item = toPulledItem(GrowcrmContactSchema, body, fromWire);
    if (item.kind === 'record') return item.record;
    throw new PermanentError(
      'growcrm',
      `growcrm answered a contact that does not match the documented shape: ${item.error}`,
      200,
    );
  }
}
