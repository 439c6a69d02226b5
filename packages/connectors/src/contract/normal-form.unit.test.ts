import { normalizeProjection } from '@contact-sync/core/normalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor, PROVIDER_KEYS } from '../registry.ts';
import { canonicalArb } from './arbitraries.ts';

/**
 * Every provider's projection is already in core's normal form, so the merge core sees
 * exactly what the connector will write and read back: no ping-pong from a second
 * normalization.
 */
describe('projections are in core normal form', () => {
  for (const provider of PROVIDER_KEYS) {
    it(provider, () => {
      const caps = capabilitiesFor(provider);
      fc.assert(
        fc.property(canonicalArb, (c) => {
          const { projection, omitted } = caps.project(c);
          for (const [f, v] of Object.entries(projection)) {
            const n = normalizeProjection({ [f]: v })[f as keyof typeof projection];
            if (Array.isArray(v)) {
              expect([...v].map((e) => e.value).sort()).toEqual(((n as typeof v) ?? []).map((e) => e.value).sort());
            } else {
              expect(n).toEqual(v);
            }
          }
          // Only writable fields are projected; read-only ones never are.
          for (const f of Object.keys(projection)) expect(caps.fields).toContain(f);
          for (const o of omitted) expect(o.reason).not.toBe('');
        }),
      );
    });
  }
});
