import { z } from 'zod';

/** One write a plan would make to a provider, with each field's value there before and after. */
export const PlanOpView = z.object({
  connectionId: z.string(),
  kind: z.enum(['create', 'update', 'delete']),
  /** The provider's record id (null for a create). */
  externalId: z.string().nullable(),
  /** The person's display name (a person new in this plan has no stored id yet). */
  person: z.string(),
  /** Held by the blast-radius guard: applying files it in a held change set, it does not go out. */
  held: z.boolean(),
  fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
});
export type PlanOpView = z.infer<typeof PlanOpView>;

export const PlanConflictView = z.object({
  kind: z.string(),
  field: z.string().nullable(),
  connectionId: z.string().nullable(),
  person: z.string(),
  rule: z.string(),
  status: z.string(),
});

export const PlanConnectionSummary = z.object({
  connectionId: z.string(),
  /** Records the pull listed (valid), and those it would quarantine. */
  pulled: z.number().int(),
  quarantined: z.number().int(),
  /** Records the connection holds after the pull. */
  records: z.number().int(),
  /** People written to in this connection. */
  people: z.number().int(),
  creates: z.number().int(),
  updates: z.number().int(),
  deletes: z.number().int(),
  held: z.number().int(),
  /** Deletes the mass-delete guard would hold (full pull). */
  heldDeletes: z.number().int(),
  /** Share of the connection's records an update or delete changes. */
  share: z.number(),
  /** Per field: records whose value changes, and their share of the connection's records. */
  fields: z.record(z.string(), z.object({ changed: z.number().int(), share: z.number() })),
});
export type PlanConnectionSummary = z.infer<typeof PlanConnectionSummary>;

export const PlanView = z.object({
  id: z.string(),
  status: z.enum(['planned', 'applied', 'stale']),
  createdAt: z.string(),
  appliedAt: z.string().nullable(),
  connectionIds: z.array(z.string()),
  full: z.boolean(),
  /** sha256 of every record the plan's pulls listed (connection, id, content hash). */
  snapshotHash: z.string(),
  configHash: z.string(),
  /** sha256 of the ops: applying commits only when a re-plan yields these same ops. */
  opsHash: z.string(),
  summary: z.object({
    ops: z.number().int(),
    conflicts: z.number().int(),
    connections: z.array(PlanConnectionSummary),
  }),
  ops: z.array(PlanOpView),
  conflicts: z.array(PlanConflictView),
});
export type PlanView = z.infer<typeof PlanView>;

/** The body a plan row stores (everything but its id, status and dates). */
export type PlanBody = Omit<PlanView, 'id' | 'status' | 'createdAt' | 'appliedAt' | 'connectionIds' | 'full'>;

export const PlanRequest = z.strictObject({
  connectionId: z.string().min(1).optional(),
  full: z.boolean().optional(),
  /** A changed config to preview (validated like the worker's file); default: the running one. */
  config: z.unknown().optional(),
});
export type PlanRequest = z.infer<typeof PlanRequest>;

export const ApplyPlanView = z.object({
  plan: PlanView,
  /** Ops written to the outbox and enqueued (the held ones wait in a held change set). */
  opsEnqueued: z.number().int(),
  held: z.number().int(),
});
export type ApplyPlanView = z.infer<typeof ApplyPlanView>;
