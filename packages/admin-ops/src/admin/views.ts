import { z } from 'zod';

/**
 * What the admin operations return and accept. The CLI prints these, the admin HTTP server
 * validates its responses with them and derives its OpenAPI document from them. Dates are
 * ISO strings; JSON columns are `unknown`.
 */

/**
 * The admin operations' refusals, one catalog for both surfaces: each code's HTTP status (the
 * admin API) and exit code (the CLI), and what it means.
 */
export const ADMIN_ERRORS = {
  invalid: { http: 400, exit: 2, doc: 'a bad value in the request: nothing was done' },
  not_found: { http: 404, exit: 3, doc: 'the conflict, run, op, person or connection named does not exist' },
  conflict: { http: 409, exit: 4, doc: 'valid, but the state forbids it (e.g. the conflict is already resolved)' },
} as const;
export type AdminOpErrorCode = keyof typeof ADMIN_ERRORS;

/** An admin operation refused; its code is looked up in `ADMIN_ERRORS` (match it with `instanceof`). */
export class AdminOpError extends Error {
  override readonly name = 'AdminOpError';
  readonly code: AdminOpErrorCode;
  constructor(code: AdminOpErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const IsoDate = z.string();
const Json = z.unknown();

/** Keyset pagination, newest first: pass `nextCursor` of a page as `cursor` for the next one. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
export type ListQuery = z.input<typeof ListQuery>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export const PageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The vocabularies the CLI and the API both refuse bad values of. */
export const ConflictStatus = z.enum(['open', 'auto-resolved', 'resolved', 'dismissed', 'info']);
export const OpStatus = z.enum(['pending', 'in_flight', 'done', 'failed', 'superseded']);
export const OpKind = z.enum(['create', 'update', 'delete']);

export const ConflictQuery = ListQuery.extend({
  status: ConflictStatus.optional(),
  connectionId: z.string().optional(),
  kind: z.string().optional(),
  field: z.string().optional(),
});
export type ConflictQuery = z.input<typeof ConflictQuery>;

export const HeldDeleteStatus = z.enum(['held', 'confirmed', 'rejected']);
export const HeldDeleteQuery = ListQuery.extend({
  connectionId: z.string().optional(),
  status: HeldDeleteStatus.optional(),
});
export type HeldDeleteQuery = z.input<typeof HeldDeleteQuery>;

export const OpQuery = ListQuery.extend({
  status: OpStatus.optional(),
  connectionId: z.string().optional(),
  kind: OpKind.optional(),
});
export type OpQuery = z.input<typeof OpQuery>;

export const QuarantineQuery = ListQuery.extend({ connectionId: z.string().optional() });
export type QuarantineQuery = z.input<typeof QuarantineQuery>;

export const RunQuery = ListQuery.extend({ connectionId: z.string().optional(), kind: z.string().optional() });
export type RunQuery = z.input<typeof RunQuery>;

export const LastPullView = z.object({
  runId: z.string(),
  status: z.string(),
  startedAt: IsoDate,
  finishedAt: IsoDate.nullable(),
  pulled: z.number(),
  changed: z.number(),
  gone: z.number(),
  quarantined: z.number(),
  error: z.string().nullable(),
});

/** A connection's request budget now, its credential, and whether its schedule leaves a full pull time to finish. */
export const LimitsView = z.object({
  /** ok | waiting (for its rate window) | credential-rejected (paused, its ops wait) */
  state: z.enum(['ok', 'waiting', 'credential-rejected']),
  /** When a wait for the rate window ends (ISO); null when not waiting. */
  until: z.string().nullable(),
  /** e.g. "waiting for its rate window until 14:02, 1,830 of 3,600 requests used" */
  message: z.string(),
  windows: z.array(z.object({ max: z.number(), durationMs: z.number(), used: z.number() })),
  /** Requests counted by the budget, and 429s received, since Redis last lost them. */
  requests: z.number(),
  refused429: z.number(),
  /** From the last completed pull's request count; null before one. */
  feasibility: z
    .object({
      lastPullRequests: z.number(),
      /** How long that many requests take at the budget (its floor). */
      fullPullSeconds: z.number(),
      /** The schedule's interval; null for a cron schedule. */
      intervalSeconds: z.number().nullable(),
      feasible: z.boolean().nullable(),
      warning: z.string().nullable(),
    })
    .nullable(),
});
export type LimitsView = z.infer<typeof LimitsView>;

export const ConnectionStatusView = z.object({
  id: z.string(),
  provider: z.string(),
  direction: z.enum(['pull', 'push', 'both']),
  lastPull: LastPullView.nullable(),
  counts: z.object({
    snapshots: z.number(),
    links: z.number(),
    quarantined: z.number(),
    openConflicts: z.number(),
    pendingOps: z.number(),
    failedOps: z.number(),
    heldDeletes: z.number(),
  }),
  /** Seconds since the last completed pull; null when none completed yet. */
  lagSeconds: z.number().nullable(),
  limits: LimitsView,
});
export type ConnectionStatusView = z.infer<typeof ConnectionStatusView>;

/** A candidate person of an ambiguous match: the canonical record and where it is linked. */
export const CandidateView = z.object({
  id: z.string(),
  data: Json,
  deleted: z.boolean(),
  links: z.array(z.object({ connectionId: z.string(), externalId: z.string() })),
});
export type CandidateView = z.infer<typeof CandidateView>;

export const ConflictSideView = z.object({
  connectionId: z.string(),
  externalId: z.string().nullable(),
  value: Json,
  updatedAt: z.string().nullable(),
});

export const ConflictView = z.object({
  id: z.string(),
  kind: z.string(),
  /** open | auto-resolved | resolved | dismissed | info */
  status: z.string(),
  canonicalId: z.string().nullable(),
  connectionId: z.string().nullable(),
  field: z.string().nullable(),
  base: Json,
  sides: z.array(ConflictSideView),
  chosen: Json,
  rule: z.string(),
  resolution: Json,
  runId: z.string().nullable(),
  createdAt: IsoDate,
  resolvedAt: IsoDate.nullable(),
  candidates: z.array(CandidateView).optional(),
});
export type ConflictView = z.infer<typeof ConflictView>;

export const Decision = z.discriminatedUnion('action', [
  /** Keep the value the policy chose. */
  z.strictObject({ action: z.literal('keep') }),
  /** Take that side's value. */
  z.strictObject({ action: z.literal('pick'), connectionId: z.string().min(1) }),
  /** An admin-entered value, validated for the field (scalar: string or null; set entry: { value?, label } or null). */
  z.strictObject({ action: z.literal('value'), value: z.unknown() }),
  /** Ambiguous match: link the record to this candidate. */
  z.strictObject({ action: z.literal('link'), canonicalId: z.string().min(1) }),
  /** Ambiguous match: the record is a new person. */
  z.strictObject({ action: z.literal('create-new') }),
  z.strictObject({ action: z.literal('dismiss') }),
]);
export type Decision = z.infer<typeof Decision>;

export const ResolveResultView = z.object({ conflict: ConflictView, opsEnqueued: z.number() });
export type ResolveResultView = z.infer<typeof ResolveResultView>;

export const HeldDeleteView = z.object({
  id: z.string(),
  connectionId: z.string(),
  externalId: z.string(),
  runId: z.string().nullable(),
  status: HeldDeleteStatus,
  createdAt: IsoDate,
  decidedAt: IsoDate.nullable(),
  /** The record as last pulled, and the person it is linked to (null if unlinked). */
  projection: Json,
  canonicalId: z.string().nullable(),
});
export type HeldDeleteView = z.infer<typeof HeldDeleteView>;

export const HeldDeleteSelection = z
  .strictObject({
    ids: z.array(z.string()).min(1).optional(),
    connectionId: z.string().optional(),
    decision: z.enum(['confirm', 'reject']),
  })
  .refine((s) => s.ids !== undefined || s.connectionId !== undefined, {
    message: 'give ids or connectionId',
    path: ['ids'],
  });
export type HeldDeleteSelection = z.infer<typeof HeldDeleteSelection>;
export const DecideHeldResultView = z.object({ decided: z.number(), opsEnqueued: z.number() });

export const OpView = z.object({
  id: z.string(),
  connectionId: z.string(),
  canonicalId: z.string(),
  kind: z.string(),
  /** pending | in_flight | done | failed | superseded */
  status: z.string(),
  externalId: z.string().nullable(),
  target: Json,
  changed: z.array(z.string()),
  attempts: z.number(),
  /** HTTP requests made for the op over all its attempts, and how many failed (bounded by push.maxHttpAttempts). */
  httpAttempts: z.number(),
  httpFailures: z.number(),
  generation: z.number(),
  lastError: z.string().nullable(),
  runId: z.string().nullable(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  completedAt: IsoDate.nullable(),
});
export type OpView = z.infer<typeof OpView>;

export const RetrySelection = z
  .strictObject({ ids: z.array(z.string()).min(1).optional(), connectionId: z.string().optional() })
  .refine((s) => s.ids !== undefined || s.connectionId !== undefined, {
    message: 'give ids or connectionId',
    path: ['ids'],
  });
export type RetrySelection = z.infer<typeof RetrySelection>;
export const RetryResultView = z.object({ retried: z.number() });

export const QuarantineView = z.object({
  id: z.string(),
  connectionId: z.string(),
  externalId: z.string().nullable(),
  runId: z.string().nullable(),
  raw: Json,
  error: z.string(),
  createdAt: IsoDate,
});
export type QuarantineView = z.infer<typeof QuarantineView>;

export const RunView = z.object({
  id: z.string(),
  kind: z.string(),
  connectionId: z.string().nullable(),
  full: z.boolean(),
  status: z.string(),
  pulled: z.number(),
  changed: z.number(),
  gone: z.number(),
  quarantined: z.number(),
  opsPlanned: z.number(),
  opsApplied: z.number(),
  opsFailed: z.number(),
  conflicts: z.number(),
  expectedPulls: z.number(),
  error: z.string().nullable(),
  parentRunId: z.string().nullable(),
  startedAt: IsoDate,
  finishedAt: IsoDate.nullable(),
});
export type RunView = z.infer<typeof RunView>;
export const RunDetailView = RunView.extend({ children: z.array(RunView) });
export type RunDetailView = z.infer<typeof RunDetailView>;
