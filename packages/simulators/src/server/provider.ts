import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateDecision } from '../shared/rate-limit.ts';
import type { ProviderKey } from '../types.ts';

/**
 * What each provider folder hands to the server assembly. The shared pipeline
 * (log, latency, auth, rate limit, faults, ghost writes) is the same for all five;
 * everything that differs — paths, credential location, error body shapes — is here.
 */
export interface ProviderDefinition<Api = unknown> {
  key: ProviderKey;
  /** Path prefix on the shared server, e.g. `/ilert/api`. */
  prefix: string;
  credential: string;
  options: Record<string, unknown>;
  /** Programmatic state API for tests (mutate records directly, bypassing validation). */
  api: Api;
  /** Full JSON state in the provider's own wire shapes. */
  snapshot(): unknown;
  /** Registers the routes and any content-type parsers on the (prefixed) scope. */
  register(scope: FastifyInstance): void;
  /** Returns the credential presented by the request, if it is a valid one. */
  authenticate(req: FastifyRequest): string | null;
  /** Answers a missing or wrong credential the way this API does. */
  rejectAuth(req: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** Sends an error with this API's error body (used for injected faults and unknown routes too). */
  sendError(reply: FastifyReply, status: number, message: string): FastifyReply;
  /** The method the API acts on (nodeping's `?action=` override); defaults to the HTTP method. */
  effectiveMethod?(req: FastifyRequest): string;
  /** Per-response headers (e.g. r-service rate-limit headers). */
  decorate?(req: FastifyRequest, reply: FastifyReply, rate: RateDecision): void;
  /**
   * Scenario `emptyList`: for the first page of a listing of this provider's contacts, the body
   * of an empty list in the documented shape (it may set pagination headers on `reply`);
   * `undefined` for every other request.
   */
  emptyList?(req: FastifyRequest, reply: FastifyReply): unknown;
  /** Scenario `corrupt`: the stored record `id` (the live objects, not copies), or `undefined`. */
  rawRecord?(id: string): RawRecord | undefined;
  /**
   * Scenario `deleteAfterCreate`: if this answer is a successful create through the API, deletes
   * the created record the way the provider deletes and returns its id; otherwise `null`.
   */
  deleteCreated?(req: FastifyRequest, status: number, body: unknown): string | null;
  /**
   * Scenario `shiftList`: if this request is a page of a listing (not a lookup), makes the change
   * before the next page is read — `insert` a contact that sorts first, `delete` the first one —
   * so the offsets of the pages after it shift, and returns the id it inserted or deleted; else `null`.
   */
  shiftList?(req: FastifyRequest, change: ListShift): string | null;
}

/** What `shiftList` does between two pages of a listing. */
export type ListShift = 'insert' | 'delete';

/** A stored record as the `corrupt` scenario edits it in place. */
interface RawRecord {
  /** The stored record; a dotted path starts here... */
  root: object;
  /** ...unless its first segment names one of these lists stored beside it (ilert `emails`). */
  lists?: Record<string, unknown[]>;
  /** Wraps the change, for a state that indexes its records (Grow CRM). */
  edit?: (change: () => void) => void;
}

/** Extracts `Bearer <token>` (the prefix is required, case-insensitive). */
export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

/** Absolute URL of this server as the client addressed it (for `next` links). */
export function origin(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.host}`;
}

/** What a provider factory gets: the run's seed and the generated people. */
export interface ProviderContext {
  seed: number;
  people: import('../seed/people.ts').SeedPerson[];
  /** Shortens time-based limits (token lifetimes) by this factor. */
  timeScale?: number;
  /** ChurchPad: lifetime of the sandbox's access token (unscaled ms); long-lived without it. */
  tokenTtlMs?: number;
}
