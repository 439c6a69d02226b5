import type { BatchPeople, SnapshotRow } from '@contact-sync/store';
import { describe, expect, it } from 'vitest';
import { peopleReadAhead, type ReadAhead } from './read-ahead.ts';

const row = (changeSeq: bigint): SnapshotRow => ({
  connectionId: 'churchpad',
  externalId: `r${changeSeq}`,
  projection: {},
  extras: {},
  remoteUpdatedAt: null,
  goneAt: null,
  changeSeq,
  lastSeenRunId: null,
  lastSeenAt: new Date(0),
  quarantinedAt: null,
});
const people: BatchPeople = { canonicals: [], links: [], snapshots: [], detachments: [], unfinished: [] };
const early: ReadAhead = {
  changes: { cursor: 0n, rows: [row(1n), row(2n), row(3n)] },
  people,
  planned: new Set([1n, 3n]),
  writeSeq: 7n,
};

describe('a batch read ahead', () => {
  it('stands for the batch read when no write number was taken since and it covers every row left', () => {
    expect(peopleReadAhead(early, 7n, [row(1n), row(3n)])).toBe(people);
  });
  it('is not used once a reconcile-style write took a number after it was read', () => {
    expect(peopleReadAhead(early, 8n, [row(1n), row(3n)])).toBeUndefined();
  });
  it('is not used when a row left to plan had its people left out of it', () => {
    expect(peopleReadAhead(early, 7n, [row(1n), row(2n)])).toBeUndefined();
  });
});
