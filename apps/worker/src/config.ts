import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROVIDER_KEYS, providerOptionsSchemas } from '@contact-sync/connectors';
import { FieldKeySchema } from '@contact-sync/core/canonical';
import { z } from 'zod';

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

/** Provider options, per provider: an unknown or mistyped option is a config error naming its key. */
/** Options every provider takes: the transport's limits. */
/** Each provider's connection options: declared in its connector folder (`<provider>/provider.ts`). */
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
         * Failed HTTP requests (5xx, 429, timeout, network) one op may make over all its attempts,
         * whichever layer retries; then it fails. Against a provider answering only errors, the
         * number of requests the op makes in all.
         */
        maxHttpAttempts: z.number().int().min(1).max(50).default(8),
      })
      .default({ attempts: 8, backoff: 1000, concurrency: 4, maxHttpAttempts: 8 }),
    reconcile: z
      .strictObject({ batchSize: z.number().int().min(1).max(10_000).default(500) })
      .default({ batchSize: 500 }),
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

/** A config error that names every bad key, e.g. `connections[1].baseUrl: Invalid URL`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const keyOf = (path: readonly PropertyKey[]) =>
    path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    ) || '(root)';
  // An unknown key is reported at the key itself, so a typo is found by its own name.
  return issues
    .flatMap((i) => {
      const inner = i.code === 'invalid_union' ? closestBranch(i) : null;
      if (inner) return formatIssues(inner).split('\n');
      return i.code === 'unrecognized_keys'
        ? i.keys.map((k) => `${keyOf([...i.path, k])}: unknown key`)
        : [`${keyOf(i.path)}: ${i.message}`];
    })
    .join('\n');
}

/**
 * A union (a schedule, a duration) that matched no branch: report the branch that came
 * closest (fewest issues, then the deepest one), so the message names the key inside it
 * (`schedule.every`) rather than the whole union. Null when no branch is a clear match.
 */
function closestBranch(issue: z.core.$ZodIssue & { code: 'invalid_union' }): z.core.$ZodIssue[] | null {
  const branches = (issue.errors ?? []).filter((b) => b.length > 0);
  if (branches.length === 0) return null;
  const depth = (b: z.core.$ZodIssue[]) => Math.max(...b.map((x) => x.path.length));
  const best = [...branches].sort((a, b) => a.length - b.length || depth(b) - depth(a))[0]!;
  // Branch issues are relative to the union; a branch failing at the union itself adds nothing.
  if (depth(best) === 0 && best.every((x) => x.code !== 'invalid_union')) return null;
  return best.map((x) => ({ ...x, path: [...issue.path, ...x.path] }) as z.core.$ZodIssue);
}

export function parseConfig(input: unknown, source = 'config'): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`invalid ${source}:\n${formatIssues(result.error.issues)}`);
  return result.data;
}

export function loadConfig(path = process.env.CONTACT_SYNC_CONFIG ?? DEFAULT_CONFIG_PATH): Config {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes a piece of the file, which may hold a secret.
    const { line, column } = lineColumn(text, Math.max(0, jsonErrorOffset(text)));
    throw new ConfigError(`config file ${file} is not valid JSON: syntax error at line ${line}, column ${column}`);
  }
  return parseConfig(json, `config file ${file}`);
}

/** The credential of a connection, read from the environment at the moment it is needed. */
export function credentialOf(conn: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[conn.credentialEnv];
  if (!value) throw new ConfigError(`connections.${conn.id}: environment variable ${conn.credentialEnv} is not set`);
  return value;
}

/** 1-based line and column of an offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * Offset of the first JSON syntax error in `text` (which JSON.parse refused), found by a small
 * recursive-descent scan, since V8's message gives a position only for some errors.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (at = i): never => {
    throw at;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const lit = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c) || c < 0x20) fail();
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        const end = text[i++];
        if (end === '}') return;
        if (end !== ',') fail(i - 1);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        const end = text[i++];
        if (end === ']') return;
        if (end !== ',') fail(i - 1);
      }
    }
    if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return at as number;
  }
}
