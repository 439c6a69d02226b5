import type { BatchLink, BatchSnapshot } from '@contact-sync/store';
import { describe, expect, it } from 'vitest';
import { sideOf } from './batch-parts.ts';

const base = { givenName: 'Ann', familyName: 'Lee' };
const edited = { givenName: 'Anna', familyName: 'Lee' };
const link = (updatedAt: Date): BatchLink => ({
  connectionId: 'churchpad',
  externalId: 'c1',
  canonicalId: 'p1',
  base,
  updatedAt,
});
const snap = (over: Partial<BatchSnapshot>): BatchSnapshot => ({
  connectionId: 'churchpad',
  externalId: 'c1',
  projection: edited,
  extras: {},
  remoteUpdatedAt: new Date('2026-01-01T10:00:00Z'),
  goneAt: null,
  changeSeq: 1n,
  lastSeenAt: new Date('2026-01-02T00:00:00Z'),
  quarantinedAt: null,
  ...over,
});

describe('sideOf: what the merge is told a provider holds', () => {
  const wrote = new Date('2026-01-01T12:00:00Z');

  it('the snapshot, once it was read after our last write to the record', () => {
    expect(sideOf(link(wrote), snap({}))).toEqual({
      connectionId: 'churchpad',
      externalId: 'c1',
      base,
      current: edited,
      updatedAt: '2026-01-01T10:00:00.000Z',
    });
  });

  it('the base, when the snapshot was read before our last write landed (stale, not an edit)', () => {
    const stale = snap({ lastSeenAt: new Date('2026-01-01T11:00:00Z') });
    expect(sideOf(link(wrote), stale).current).toBe(base);
  });

  it('the base, for a record we created that no pull has listed yet', () => {
    expect(sideOf(link(wrote), undefined)).toMatchObject({ current: base, updatedAt: null });
  });

  it('nothing, for a record the pull found gone, even one read before our last write', () => {
    const gone = snap({ goneAt: new Date('2026-01-03T00:00:00Z'), lastSeenAt: new Date('2026-01-01T11:00:00Z') });
    expect(sideOf(link(wrote), gone).current).toBeNull();
  });

  it('the snapshot of a record never agreed on (no base), however old the read', () => {
    const never = { ...link(wrote), base: null };
    expect(sideOf(never, snap({ lastSeenAt: new Date('2026-01-01T11:00:00Z') })).current).toEqual(edited);
  });
});
