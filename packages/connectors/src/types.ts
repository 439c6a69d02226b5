import type { FieldKey, Projection } from '@contact-sync/core/canonical';
import type { CapabilityDescriptor } from '@contact-sync/core/capabilities';
import type { RequestGate } from './shared/gate.ts';

/** A provider record mapped to canonical form. */
export interface ExternalRecord {
  externalId: string;
  /** Normalized projection: only the fields the provider holds (incl. read-only ones). */
  projection: Projection;
  /** Provider-only fields kept on the link, not the canonical record (custrole, account_owner, status…). */
  extras: Record<string, unknown>;
  /** ISO last-modified time where the provider has one, else null. */
  updatedAt: string | null;
  /** The wire object as received (stored in the snapshot). */
  raw: unknown;
}

/** One item of a pulled page: a valid record, or a record that failed validation (quarantined). */
export type PulledItem =
  | { kind: 'record'; record: ExternalRecord }
  | { kind: 'invalid'; externalId: string | null; raw: unknown; error: string };

/** One page of a resumable list read: its items, the cursor of the page after it, the list's total. */
export interface ListPage {
  items: PulledItem[];
  /** Where the read goes on after this page (opaque, stored as a pull's checkpoint); null at the end. */
  next: string | null;
  /** The number of records the provider says the list holds, where its pages say (null otherwise). */
  total: number | null;
}

export interface ConnectorConfig {
  baseUrl: string;
  credential: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Bounded retry attempts for transient errors (network, timeout, 5xx, 429). */
  retries?: number;
  /**
   * Times a create whose outcome is unknown looks the record up and tries again inside the
   * connector (default: `retries`). The worker sets 0: its queue retries, and a retried create
   * adopts what an earlier attempt made (one retry layer).
   */
  createRetries?: number;
  /** Lower bound of the exponential backoff; tests set it low. */
  minBackoffMs?: number;
  /** Provider options from the connection config (growcrm clientId, nodeping customerId, …). */
  options?: Record<string, unknown>;
  /** The connection's request budget, passed to every request (see `shared/gate.ts`). */
  gate?: RequestGate;
  /** Aborts every request in flight (a worker stopping): they fail with the signal's reason. */
  signal?: AbortSignal;
}

export interface Connector {
  readonly provider: string;
  readonly capabilities: CapabilityDescriptor;
  /** Streams the provider's records page by page; memory stays flat with the provider's size. */
  list(signal?: AbortSignal): AsyncIterable<PulledItem[]>;
  /**
   * The list read from a checkpoint (`cursor` from an earlier page's `next`; null: from the start),
   * for providers whose pages have a position to resume from (offset-paged lists). A pull saves
   * each page's `next`, so a retry, a crash or a restart resumes there instead of at page 1.
   */
  listFrom?(cursor: string | null, signal?: AbortSignal): AsyncIterable<ListPage>;
  /** null when the provider answers that the record does not exist. */
  get(externalId: string): Promise<ExternalRecord | null>;
  /** Creates a record holding `target` (already shaped by `capabilities.project`). */
  create(target: Projection): Promise<ExternalRecord>;
  /**
   * Makes the record hold `target` for the fields in `changed`, with the fewest write calls
   * (for person-scoped providers: one sub-resource call per added/removed/changed entry).
   * Safe to retry: re-reads current state where a write is not idempotent.
   */
  update(externalId: string, target: Projection, changed: readonly FieldKey[]): Promise<ExternalRecord>;
  /** Deletes the record; a record already gone counts as deleted. */
  delete(externalId: string): Promise<void>;
  /** Finds a record this engine may have created, by the natural keys (after an unknown-outcome create). */
  findByNaturalKey(target: Projection): Promise<ExternalRecord | null>;
  /**
   * What `findByNaturalKey` costs: `search` is one query the provider answers by key; `scan`
   * streams the whole list (no search parameter documented), so callers use it only when needed.
   */
  readonly naturalKeyLookup: 'search' | 'scan';
}
