import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, jsonErrorOffset, loadConfig, parseConfig } from './config.ts';

const example = join(import.meta.dirname, '../../../examples/sandbox.config.json');
// The raw JSON as a test edits it.
type Raw = {
  connections: Record<string, unknown>[];
  conflictPolicy: Record<string, unknown>;
  [key: string]: unknown;
};
const valid = (): Raw => JSON.parse(readFileSync(example, 'utf8'));

describe('config', () => {
  it('loads the committed sandbox example with defaults and durations resolved', () => {
    const cfg = loadConfig(example);
    expect(cfg.connections.map((c) => c.id)).toEqual(['churchpad', 'growcrm', 'nodeping', 'r-service', 'ilert']);
    expect(cfg.connections[0]!.rateLimit).toEqual({ max: 10, duration: 1000 });
    expect(cfg.connections[1]!.direction).toBe('both');
    expect(cfg.push.backoff).toBe(1000);
  });

  it.each([
    ['connections[0].baseUrl', (c: Raw) => (c.connections[0]!.baseUrl = 'not a url')],
    ['connections[1].options.clientid', (c: Raw) => (c.connections[1]!.options = { clientid: 1 })],
    ['connections[2].options.custrole', (c: Raw) => (c.connections[2]!.options = { custrole: 'boss' })],
    ['connections[0].options.maxBodyBytes', (c: Raw) => (c.connections[0]!.options = { maxBodyBytes: '16MB' })],
    ['connections[4].options.maxBodyBytes', (c: Raw) => (c.connections[4]!.options = { maxBodyBytes: 10 })],
    ['connections[3].credentialEnv', (c: Raw) => (c.connections[3]!.credentialEnv = 'lower-case')],
    ['connections[1].id', (c: Raw) => (c.connections[1]!.id = 'churchpad')],
    ['conflictPolicy.order[0]', (c: Raw) => (c.conflictPolicy.order = ['nope'])],
    ['connections[0].schedule', (c: Raw) => (c.connections[0]!.schedule = { every: '5 minutes' })],
    ['extra', (c: Raw) => (c.extra = true)],
  ])('names the bad key %s', (key, mutate) => {
    const cfg = valid();
    mutate(cfg);
    expect(() => parseConfig(cfg)).toThrow(ConfigError);
    expect(() => parseConfig(cfg)).toThrow(key);
  });

  it('takes a body size cap for any provider', () => {
    const cfg = valid();
    for (const c of cfg.connections) c.options = { ...(c.options as object), maxBodyBytes: 1_048_576 };
    expect(parseConfig(cfg).connections.every((c) => c.options.maxBodyBytes === 1_048_576)).toBe(true);
  });

  // Issue 17: a password in a base URL reached logs, sync_runs.error and the admin API.
  it.each([
    'https://alice:s3cret-pw@crm.example.com/api',
    'http://:s3cret-pw@127.0.0.1:9/',
    'https://s3cret-pw@crm.example.com/',
  ])('refuses credentials in a base URL without echoing them: %s', (url) => {
    const cfg = valid();
    cfg.connections[0]!.baseUrl = url;
    const err = (() => {
      try {
        parseConfig(cfg);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('connections[0].baseUrl: must not contain credentials (user:password@)');
    expect(err.message).not.toContain('s3cret-pw');
  });

  it.each([
    ['{"connections": [{"credentialEnv": "s3cret-value" x}]}', 1, 51],
    ['{\n  "connections": [\n    {"baseUrl": s3cret-value}\n  ]\n}', 3, 17],
    ['{\n  "a": "s3cret-value', 2, 21],
    ['{"a": "s3cret\u0001value"}', 1, 14],
  ])('says where the JSON is broken, never what the file holds (%#)', (text, line, column) => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, text);
      expect(() => loadConfig(file)).toThrow(ConfigError);
      expect(() => loadConfig(file)).toThrow(
        `config file ${file} is not valid JSON: syntax error at line ${line}, column ${column}`,
      );
      expect(() => loadConfig(file)).not.toThrow(/s3cret|value/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the first syntax error of any JSON text JSON.parse refuses', () => {
    for (const [text, at] of [
      ['', 0],
      ['{}x', 2],
      ['[1,]', 3],
      ['{"a":01}', 6],
      ['"\\q"', 2],
      ['tru', 3],
      ['{"a" 1}', 5],
    ] as const)
      expect(jsonErrorOffset(text), text).toBe(at);
    expect(jsonErrorOffset('{"a":[1,-2.5e3,true,null,"x\\n"]}')).toBe(-1);
  });
});
