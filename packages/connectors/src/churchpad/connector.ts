import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import { NotFoundError, PermanentError } from '../errors.ts';
import { createAdopting } from '../shared/create.ts';
import { createRetryOptions } from '../shared/options.ts';
import { toPulledItem } from '../shared/parse.ts';
import { scanForNaturalKey } from '../shared/scan.ts';
import type { Connector, ConnectorConfig, ExternalRecord, ListPage, PulledItem } from '../types.ts';
import { churchpadCapabilities } from './capabilities.ts';
import { ChurchpadClient } from './client.ts';
import { fromWire, toWire } from './mapper.ts';
import { ChurchpadContactSchema } from './schema.ts';

export class ChurchpadConnector implements Connector {
  readonly provider = 'churchpad' as const;
  readonly capabilities = churchpadCapabilities;
  readonly naturalKeyLookup = 'scan' as const;
  readonly client: ChurchpadClient;
  readonly #config: ConnectorConfig;

  constructor(config: ConnectorConfig) {
    this.#config = config;
    this.client = new ChurchpadClient(config);
  }

  async *list(signal?: AbortSignal): AsyncIterable<PulledItem[]> {
    for await (const raw of this.client.pages(signal)) {
      yield raw.map((item) => toPulledItem(ChurchpadContactSchema, item, fromWire));
    }
  }

  /** Resumable by offset (the cursor); `count` is the total a shift under the read changes. */
  async *listFrom(cursor: string | null, signal?: AbortSignal): AsyncIterable<ListPage> {
    for await (const page of this.client.pagesFrom(cursor === null ? 0 : Number(cursor), signal)) {
      yield {
        items: page.results.map((item) => toPulledItem(ChurchpadContactSchema, item, fromWire)),
        next: page.nextOffset === null ? null : String(page.nextOffset),
        total: page.count,
      };
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
    return createAdopting(
      async () => this.#parse(await this.client.create(toWire(target))),
      () => this.findByNaturalKey(target),
      createRetryOptions(this.#config),
    );
  }

  /** One PATCH carrying only the changed fields. */
  async update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord> {
    const fields = changed.filter((f) => this.capabilities.fields.includes(f));
    if (fields.length === 0) {
      const current = await this.get(externalId);
      if (!current) throw new NotFoundError('churchpad', `churchpad: contact ${externalId} not found`, 404);
      return current;
    }
    return this.#parse(await this.client.patch(externalId, toWire(target, fields)));
  }

  async delete(externalId: string): Promise<void> {
    try {
      await this.client.delete(externalId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** No search parameter is documented: streams the whole list (count/100 requests). */
  findByNaturalKey(target: Projection): Promise<ExternalRecord | null> {
    return scanForNaturalKey(this.list(), target);
  }

  #parse(body: unknown): ExternalRecord {
    const item = toPulledItem(ChurchpadContactSchema, body, fromWire);
    if (item.kind === 'record') return item.record;
    throw new PermanentError(
      'churchpad',
      `churchpad answered a contact that does not match the documented shape: ${item.error}`,
      200,
    );
  }
}
