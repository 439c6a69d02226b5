import { describe, expect, it } from 'vitest';
import { explainFields, type RecordSignals } from './explain.ts';
import { normalizeProjection } from './normalize.ts';
import { flatDescriptor, methodsDescriptor } from './test-support/descriptors.ts';
import { canonicalOf, conn, email } from './test-support/fixtures.ts';

const canonical = canonicalOf({
  givenName: 'Ann',
  familyName: 'Lee',
  title: 'CEO',
  emails: [email('ann@x.io', null)],
});
const FLAT = conn('flat', flatDescriptor);
const none: RecordSignals = { quarantined: false, pending: new Set(), failed: new Map(), held: new Set() };
const holding = (p: Parameters<typeof normalizeProjection>[0]) =>
  normalizeProjection({ ...flatDescriptor.project(canonical).projection, ...p });

describe('explainFields: why a provider does not hold the canonical value', () => {
  it('a field the provider cannot hold', () => {
    expect(explainFields(FLAT, canonical, holding({}), none)).toEqual([
      { field: 'title', expected: null, holds: undefined, reason: 'not-in-capabilities', detail: expect.any(String) },
    ]);
  });
  it('a field it holds but the engine never writes', () => {
    const M = conn('m', methodsDescriptor);
    const current = normalizeProjection({
      givenName: 'Annie',
      familyName: 'Lee',
      emails: [email('ann@x.io')],
      phones: [],
    });
    expect(explainFields(M, canonical, current, none).filter((g) => g.reason === 'read-only')).toMatchObject([
      { field: 'givenName', holds: 'Annie' },
    ]);
  });
  it('a differing field: quarantined, rejected, waiting, held, or unplanned — the most decisive first', () => {
    const current = holding({ familyName: 'Old' });
    const reasonOf = (s: Partial<RecordSignals>) =>
      explainFields(FLAT, canonical, current, { ...none, ...s }).find((g) => g.field === 'familyName')?.reason;
    expect(reasonOf({})).toBe('unplanned');
    expect(reasonOf({ held: new Set(['familyName']) })).toBe('held');
    expect(reasonOf({ held: new Set(['familyName']), pending: new Set(['familyName']) })).toBe('waiting');
    expect(reasonOf({ pending: new Set(['familyName']), failed: new Map([['familyName', '400 bad']]) })).toBe(
      'rejected',
    );
    expect(reasonOf({ quarantined: true, failed: new Map([['familyName', '400 bad']]) })).toBe('quarantined');
  });
  it('a record that holds the canonical value has no gap but the fields it cannot hold', () => {
    expect(explainFields(FLAT, canonical, holding({}), none).map((g) => g.field)).toEqual(['title']);
  });
});
