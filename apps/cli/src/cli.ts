import { parseArgs } from 'node:util';

/** Exit codes scripts can rely on (also listed in the README and in `contact-sync --help`). */
export const EXIT = {
  ok: 0,
  /** The command ran and failed (a run failed, a server could not start, the demo did not converge). */
  failure: 1,
  /** Bad flags or arguments: nothing was done. */
  usage: 2,
  /** The conflict, run, op … named does not exist. */
  notFound: 3,
  /** The request is valid but the state forbids it (e.g. resolving a conflict that is no longer open). */
  conflict: 4,
  /** Configuration or environment missing or invalid (config file, DATABASE_URL, REDIS_URL). */
  config: 5,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  failure (a run failed, a service could not start, the demo did not converge)
  2  usage error (unknown flag, bad value, missing argument)
  3  not found (no such conflict, run, op, connection)
  4  state conflict (e.g. the conflict is already resolved)
  5  configuration error (config file, DATABASE_URL, REDIS_URL)`;

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with a chosen exit code and a message meant for the user (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in --help, e.g. `N`, `PROFILE`. */
  value?: string;
  description: string;
  default?: string;
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** stderr is a terminal (progress lines redraw in place). */
  tty: boolean;
}

export interface Command {
  /** As typed: `demo`, `conflicts list`. */
  name: string;
  summary: string;
  /** Positional synopsis, e.g. `<id>`. */
  args?: string;
  /** How many positionals are accepted (default 0). */
  positionals?: { min: number; max: number };
  options: Record<string, OptionSpec>;
  /** Extra help text after the options. */
  details?: string;
  run(input: {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
    io: Io;
  }): Promise<number>;
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: contact-sync ${cmd.name}${cmd.args ? ` ${cmd.args}` : ''} [options]`, '', cmd.summary, ''];
  const opts = Object.entries({
    ...cmd.options,
    help: { type: 'boolean', short: 'h', description: 'show this help' } as OptionSpec,
  });
  lines.push('Options:');
  const rows = opts.map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const desc = `${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}${o.multiple ? ' (repeatable)' : ''}`;
    return [flag, desc] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [flag, desc] of rows) lines.push(`  ${flag.padEnd(width)}${desc}`);
  if (cmd.details) lines.push('', cmd.details);
  lines.push('', EXIT_CODES_HELP);
  return lines.join('\n');
}

/** Parses a command's argv strictly: an unknown flag or a missing value is a UsageError naming it. */
export function parseCommandArgs(cmd: Command, argv: string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) return { values, positionals: parsed.positionals, help: true };
  const range = cmd.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < range.min) throw new UsageError(`missing argument ${cmd.args ?? ''}`.trim());
  if (parsed.positionals.length > range.max)
    throw new UsageError(`unexpected argument "${parsed.positionals[range.max]}"`);
  return { values, positionals: parsed.positionals, help: false };
}

function parseArgsMessage(err: Error): string {
  // node:util messages: "Unknown option '--foo'. To specify a positional argument …", "Option '--seed <value>' argument missing"
  const first = err.message.split('. ')[0] ?? err.message;
  return first.replace(/\.$/, '');
}

/** An integer flag, validated: `--contacts abc` is a usage error naming `--contacts`. */
export function intFlag(
  values: Record<string, unknown>,
  name: string,
  opts: { min?: number; max?: number; default?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return opts.default;
  const text = String(raw);
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} must be an integer, got "${text}"`);
  const n = Number(text);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${name} must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${name} must be at most ${opts.max}, got ${n}`);
  return n;
}

export function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

export function oneOf<T extends string>(
  values: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const v = stringFlag(values, name);
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: Boolean(process.stderr.isTTY),
};
