import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import { NotFoundError, PermanentError, TransientError } from '../errors.ts';
import { createAdopting } from '../shared/create.ts';
import { createRetryOptions, stringOption } from '../shared/options.ts';
import { toPulledItem } from '../shared/parse.ts';
import { scanForNaturalKey } from '../shared/scan.ts';
import type { Connector, ConnectorConfig, ExternalRecord, PulledItem } from '../types.ts';
import { nodepingCapabilities } from './capabilities.ts';
import { NodepingClient } from './client.ts';
import { fromWire, wireType } from './mapper.ts';
import { planUpdate } from './plan.ts';
import { type NodepingContact, NodepingContactSchema, type NodepingContactWrite } from './schema.ts';

/** Items per yielded page: the API answers the whole list at once, read as it streams in; downstream gets pages. */
const CHUNK = 500;

/** Options: `customerId` (sub-account), `custrole` for creates (default "notify": no welcome email). */
export class NodepingConnector implements Connector {
  readonly provider = 'nodeping' as const;
  readonly capabilities = nodepingCapabilities;
  readonly naturalKeyLookup = 'scan' as const;
  readonly client: NodepingClient;
  readonly #config: ConnectorConfig;

  constructor(config: ConnectorConfig) {
    this.#config = config;
    this.client = new NodepingClient(config);
  }

  async *list(signal?: AbortSignal): AsyncIterable<PulledItem[]> {
    let page: PulledItem[] = [];
    for await (const batch of this.client.list(signal))
      for (const [id, raw] of batch) {
        const item = toPulledItem(NodepingContactSchema, raw, fromWire, '_id');
        page.push(item.kind === 'invalid' && item.externalId == null ? { ...item, externalId: id } : item);
        if (page.length >= CHUNK) {
          yield page;
          page = [];
        }
      }
    if (page.length > 0) yield page;
  }

  async get(externalId: string): Promise<ExternalRecord | null> {
    const wire = await this.#getWire(externalId);
    return wire ? fromWire(wire) : null;
  }

  create(target: Projection): Promise<ExternalRecord> {
    const newaddresses = (['emails', 'phones', 'chats'] as const).flatMap((f) =>
      (target[f] ?? []).map((e) => ({ address: e.value, type: wireType(f, e.label) })),
    );
    const body: NodepingContactWrite = {
      name: target.displayName ?? '',
      custrole: stringOption(this.#config, 'custrole') ?? 'notify',
      ...(newaddresses.length > 0 ? { newaddresses } : {}),
    };
    return createAdopting(
      async () => this.#parse(await this.client.create(body)),
      () => this.findByNaturalKey(target),
      createRetryOptions(this.#config),
    );
  }

  /** One read, then one PUT (none when the contact already holds the target). */
  async update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord> {
    const current = await this.#getWire(externalId);
    if (!current) throw new NotFoundError('nodeping', `nodeping: contact ${externalId} not found`, 200);
    const body = planUpdate(current, target, changed);
    if (!body) return fromWire(current);
    try {
      return this.#parse(await this.client.update(externalId, body));
    } catch (err) {
      // Unknown outcome of a PUT adding addresses: a retry of update() re-reads first.
      if (err instanceof TransientError) err.mayHaveApplied = true;
      throw err;
    }
  }

  /** `{"error":"Unable to find that contact"}` for a missing one counts as deleted. */
  async delete(externalId: string): Promise<void> {
    try {
      await this.client.delete(externalId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /** One request (the whole list), scanned for a shared email, then phone. */
  findByNaturalKey(target: Projection): Promise<ExternalRecord | null> {
    return scanForNaturalKey(this.list(), target);
  }

  async #getWire(id: string): Promise<NodepingContact | null> {
    let body: unknown;
    try {
      body = await this.client.get(id);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
    if (body && typeof body === 'object' && Object.keys(body).length === 0) return null;
    const parsed = NodepingContactSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new PermanentError(
      'nodeping',
      `nodeping answered a contact that does not match the documented shape: ${parsed.error.message}`,
      200,
    );
  }

  #parse(body: unknown): ExternalRecord {
    const item = toPulledItem(NodepingContactSchema, body, fromWire, '_id');
    if (item.kind === 'record') return item.record;
    throw new PermanentError(
      'nodeping',
      `nodeping answered a contact that does not match the documented shape: ${item.error}`,
      200,
    );
  }
}
