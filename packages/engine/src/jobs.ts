import { z } from 'zod';

/**
 * The job catalog: each queue's payload schema and options. Payloads are parsed on
 * enqueue and on dequeue, so a malformed job fails with a named field, not deep inside a handler.
 */
export const PullJob = z.strictObject({
  connectionId: z.string(),
  full: z.boolean(),
  /** The admin resync this pull belongs to; absent for scheduled pulls. */
  resyncRunId: z.uuid().optional(),
});
export type PullJob = z.infer<typeof PullJob>;

export const ReconcileJob = z.strictObject({
  /** The highest snapshot changeSeq this request is about (as a decimal string). */
  upToSeq: z.string().regex(/^\d+$/),
  reason: z.string(),
});
export type ReconcileJob = z.infer<typeof ReconcileJob>;

/**
 * A push job names its connection only: it claims that connection's ready ops from the outbox
 * (the truth) in batches, so a job carries a batch, not one op.
 */
export const PushJob = z.strictObject({ connectionId: z.string() });
export type PushJob = z.infer<typeof PushJob>;

export const queueNames = {
  pull: (connectionId: string) => `pull-${connectionId}`,
  push: (connectionId: string) => `push-${connectionId}`,
  reconcile: 'reconcile',
} as const;

/**
 * Attempts and backoff per job kind. A pull retries a few times, slowly (its connector already
 * retried each request); a reconcile retries more, fast (it only waits for Postgres). A push job's come
 * from the config (`push.attempts`, `push.backoff`): they retry a job that failed as a whole (the
 * database away); each op's own attempts are counted on the op, its backoff kept in its
 * `nextAttemptAt` (the provider's own when it sent `Retry-After`).
 */
export const jobRetries = {
  pull: { attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
  reconcile: { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
  push: (push: { attempts: number; backoff: number }) => ({
    attempts: push.attempts,
    backoff: { type: 'provider', delay: push.backoff },
  }),
} as const;

/** Retention: enough history for the dashboard, bounded so Redis does not grow for months. */
export const retention = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
} as const;
