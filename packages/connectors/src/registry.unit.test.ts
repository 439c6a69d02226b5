import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor, createConnector, PROVIDER_KEYS, PROVIDERS, providerOptionsSchemas } from './registry.ts';

const here = import.meta.dirname;

describe('the provider registry', () => {
  it('lists every provider folder once, and nothing else', () => {
    const folders = readdirSync(here, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'provider.ts')))
      .map((d) => d.name)
      .sort();
    expect([...PROVIDER_KEYS].sort()).toEqual(folders);
    expect(new Set(PROVIDER_KEYS).size).toBe(PROVIDERS.length);
  });

  it("gives each provider's connector, capabilities and options schema under its key", () => {
    for (const key of PROVIDER_KEYS) {
      expect(capabilitiesFor(key).provider).toBe(key);
      expect(createConnector(key, { baseUrl: 'http://127.0.0.1:9', credential: 'x' }).provider).toBe(key);
      // Every connection takes the transport options; an unknown option is refused.
      expect(providerOptionsSchemas[key].safeParse({ maxBodyBytes: 4096 }).success).toBe(true);
      expect(providerOptionsSchemas[key].safeParse({ colour: 'blue' }).success).toBe(false);
    }
    expect(() => createConnector('nope' as never, { baseUrl: 'http://127.0.0.1:9', credential: 'x' })).toThrow(
      /unknown provider: nope/,
    );
  });
});
