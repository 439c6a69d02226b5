import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '@contact-sync/engine/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/*
 * Issue 10, malformed config → a start-up error naming the key. Guards parseConfig's
 * strict schema and formatIssues' paths, and the worker process turning a ConfigError
 * into exit code 2 with the key on stderr (not a stack trace, not a half-started worker).
 */
const EXAMPLE = fileURLToPath(new URL('../../../../examples/sandbox.config.json', import.meta.url));
const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));
const valid = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

type Path = (string | number)[];
/** Every leaf (scalar) of a JSON value, with its path. */
function leaves(v: unknown, path: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [path];
}
const keyOf = (path: Path) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
  return copy;
}

describe('a malformed config', () => {
  it('the committed example parses (the property below starts from a valid config)', () => {
    expect(() => parseConfig(valid)).not.toThrow();
  });

  it('with any one value replaced by a value of no accepted type names that key', () => {
    const paths = leaves(valid);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.constantFrom<unknown>([[]], { nested: { deeper: true } }, [1, 'x']),
        (path, bad) => {
          let err: unknown;
          try {
            parseConfig(setAt(valid, path, bad), 'config file x.json');
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(ConfigError);
          // The message names the key itself (or, inside a list of ids, the list entry).
          expect((err as Error).message).toContain(keyOf(path));
        },
      ),
      { numRuns: 150, seed: 10 },
    );
  });

  it('with an unknown key names it', () => {
    const paths = leaves(valid)
      .map((p) => p.slice(0, -1))
      .filter((p) => p.length > 0 && typeof p.at(-1) === 'number');
    fc.assert(
      fc.property(fc.constantFrom(...paths), (path) => {
        const withExtra = setAt(valid, [...path, 'colour'], 'blue');
        expect(() => parseConfig(withExtra)).toThrow(keyOf([...path, 'colour']));
      }),
      { numRuns: 20, seed: 11 },
    );
  });

  it('stops the worker process at start-up with exit code 2 and the key on stderr', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-bad-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(setAt(valid, ['connections', 1, 'baseUrl'], 'not a url')));
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
    };
    const run = spawnSync(process.execPath, [BIN, '--config', file], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('connections[1].baseUrl');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

    writeFileSync(file, '{ "connections": [ ');
    const notJson = spawnSync(process.execPath, [BIN, '--config', file], { env, encoding: 'utf8', timeout: 30_000 });
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain('is not valid JSON');

    const noDb = spawnSync(process.execPath, [BIN, '--config', EXAMPLE], {
      env: { PATH: env.PATH, REDIS_URL: env.REDIS_URL },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toContain('DATABASE_URL');
  });
});
