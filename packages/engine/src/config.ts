import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { type Config, ConfigSchema, type ConnectionConfig, DEFAULT_CONFIG_PATH } from './config-schema.ts';

/** Reading and checking the config file: errors that name every bad key, with line and column for bad JSON. */
export * from './config-schema.ts';

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
