import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.ts';

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
});
