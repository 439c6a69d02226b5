import { PROVIDER_KEYS, providerOptionsSchemas } from '@contact-sync/connectors';
import { FieldKeySchema } from '@contact-sync/core/canonical';
import { z } from 'zod';

/** The worker's config file, as zod schemas: every key, its default, and what it means. */

/** Where the config file is read from when CONTACT_SYNC_CONFIG is not set. */
export const DEFAULT_CONFIG_PATH = 'contact-sync.config.json';

/** Whether a URL carries `user:password@` (the message never echoes the value). */
const hasUserinfo = (url: string): boolean => {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
};

/** Milliseconds, or a string such as "500ms", "30s", "15m", "1h". */
const Duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'a duration such as "500ms", "30s", "15m" or "1h"')
    .transform((s) => {
      const n = Number.parseInt(s, 10);
      const unit = s.replace(/^\d+/, '');
      return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit]!;
    }),
]);

const ScheduleSchema = z.union([
  z.strictObject({ every: Duration }),
  z.strictObject({ cron: z.string().min(9, 'a cron pattern such as "*/15 * * * *"') }),
]);

export const ConflictPolicySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('priority'),
    /** Connection ids, most trusted first. */
    order: z.array(z.string()).min(1),
    /** Per-field overrides of the order. */
    fields: z.partialRecord(FieldKeySchema, z.array(z.string()).min(1)).optional(),
  }),
  z.strictObject({ kind: z.literal('newest') }),
  z.strictObject({ kind: z.literal('hold') }),
]);
export type ConflictPolicyConfig = z.infer<typeof ConflictPolicySchema>;

const EnvVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

/**
 * Each provider's connection options, declared in its connector folder (`<provider>/provider.ts`):
 * an unknown or mistyped option is a config error naming its key.
 */
export const ProviderOptionsSchemas = providerOptionsSchemas;

const RateWindow = z.strictObject({ max: z.number().int().positive(), duration: Duration });

export const ConnectionConfigSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  provider: z.enum(PROVIDER_KEYS),
  /** No userinfo: a password in the URL would reach logs, errors and the admin API (issue 17). */
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !hasUserinfo(u), 'must not contain credentials (user:password@); use credentialEnv'),
  /** Name of the environment variable holding the credential; the secret itself never sits in this file. */
  credentialEnv: EnvVarName,
  schedule: ScheduleSchema.default({ every: 15 * 60_000 }),
  direction: z.enum(['pull', 'push', 'both']).default('both'),
  createPolicy: z.enum(['create', 'skip']).default('create'),
  deletePolicy: z.enum(['propagate', 'unlink', 'ignore']).default('unlink'),
  /** Share (0..1) of a connection's records that may vanish in one pull before deletes are held. */
  massDeleteThreshold: z.number().min(0).max(1).default(0.2),
  /** Removed: a minimum count let a small account be emptied by one empty list (the guard is by share only). */
  massDeleteMinimum: z
    .never({ error: 'no longer supported: the guard holds by share (massDeleteThreshold) whatever the size' })
    .optional(),
  /**
   * Blast-radius guard for updates: a reconcile pass that would change more than `share` (0..1)
   * and at least `minimum` of this connection's records in one field holds those updates.
   */
  updateGuard: z
    .strictObject({
      share: z.number().min(0).max(1).default(0.2),
      minimum: z.number().int().min(1).default(10),
    })
    .default({ share: 0.2, minimum: 10 }),
  /**
   * The connection's request budget in HTTP requests, one window or several applying together;
   * default: the provider's documented limits (`requestBudget` in its capabilities).
   */
  rateLimit: z.union([RateWindow, z.array(RateWindow).min(1)]).optional(),
  timeout: Duration.default(15_000),
  /**
   * Overall deadline of one pull, across its attempts: past it the pull fails (incomplete, marks
   * nothing gone) and a resync reconciles without it. A full pull of 100,000 people takes ~85 s.
   */
  pullDeadline: Duration.default(5 * 60_000),
  /** Provider options: growcrm { clientId }, nodeping { customerId }, r-service { account }; any: { maxBodyBytes }. */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type ConnectionConfig = z.infer<typeof ConnectionConfigSchema>;

export const ConfigSchema = z
  .strictObject({
    connections: z.array(ConnectionConfigSchema).min(1),
    conflictPolicy: ConflictPolicySchema.default({ kind: 'hold' }),
    push: z
      .strictObject({
        attempts: z.number().int().min(1).max(50).default(8),
        backoff: Duration.default(1000),
        concurrency: z.number().int().min(1).max(64).default(4),
        /**
         * Ops one push claims, sends (`concurrency` at a time) and ends together. Bench at 10,000
         * people: 100 → 250 took the initial sync from ~16.5 s to ~16 s and its statements from
         * 1,740 to 1,430; an op's end is recorded with its batch's (a crash re-tries up to this many).
         */
        batchSize: z.number().int().min(1).max(1000).default(250),
        /**
         * Failed HTTP requests (5xx, 429, timeout, network) one op may make over all its attempts,
         * whichever layer retries; then it fails. Against a provider answering only errors, the
         * number of requests the op makes in all.
         */
        maxHttpAttempts: z.number().int().min(1).max(50).default(8),
      })
      .default({ attempts: 8, backoff: 1000, concurrency: 4, batchSize: 250, maxHttpAttempts: 8 }),
    reconcile: z
      .strictObject({
        /**
         * Snapshot rows (and people to revisit) one reconcile transaction plans and writes. Bench
         * at 10,000 people: 500 → 2,000 took the initial sync from ~18.5 s to ~16.5 s and its
         * statements from 2,910 to 1,740; a batch is also the update guard's unit of counting.
         */
        batchSize: z.number().int().min(1).max(10_000).default(2000),
      })
      .default({ batchSize: 2000 }),
  })
  .superRefine((cfg, ctx) => {
    const ids = new Set<string>();
    cfg.connections.forEach((c, i) => {
      const opts = ProviderOptionsSchemas[c.provider].safeParse(c.options);
      if (!opts.success)
        for (const issue of opts.error.issues)
          ctx.addIssue({ ...issue, path: ['connections', i, 'options', ...issue.path] } as z.core.$ZodRawIssue);
      if (ids.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['connections', i, 'id'], message: `duplicate connection id "${c.id}"` });
      ids.add(c.id);
    });
    const check = (list: string[], path: (string | number)[]) =>
      list.forEach((id, j) => {
        if (!ids.has(id))
          ctx.addIssue({ code: 'custom', path: [...path, j], message: `unknown connection id "${id}"` });
      });
    const p = cfg.conflictPolicy;
    if (p.kind === 'priority') {
      check(p.order, ['conflictPolicy', 'order']);
      for (const [field, list] of Object.entries(p.fields ?? {}))
        check(list as string[], ['conflictPolicy', 'fields', field]);
    }
  });
export type Config = z.infer<typeof ConfigSchema>;
/** A config as written (defaults not yet filled in). */
export type ConfigInput = z.input<typeof ConfigSchema>;
