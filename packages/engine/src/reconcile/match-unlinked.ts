import { randomUUID } from 'node:crypto';
import { type BatchPerson, type Canonical, matchBatch, matchKeys, type Projection } from '@contact-sync/core';
import {
  type BatchPeople,
  candidatesByKeys,
  type ReconcileWrite,
  readBatchPeople,
  type SnapshotRow,
  type SqlDb,
} from '@contact-sync/store';
import type { RunOf } from './batch-parts.ts';
import { conflictWrite, groupBy } from './batch-parts.ts';

/**
 * Links unlinked records to people: the worker reads the candidates (people holding any of the
 * batch's keys, and where they are linked); the pure batch matcher decides.
 */
export async function matchUnlinked(
  db: SqlDb,
  unlinked: SnapshotRow[],
  runOf: RunOf,
  write: ReconcileWrite,
  /** What the batch has read so far: the candidates not in it are read (everything the batch needs of them) and added. */
  people: BatchPeople,
) {
  const keyList: { kind: 'email' | 'phone'; value: string }[] = [];
  for (const r of unlinked) {
    const mk = matchKeys(r.projection as Projection);
    for (const value of mk.emails) keyList.push({ kind: 'email', value });
    for (const value of mk.phones) keyList.push({ kind: 'phone', value });
  }
  const hits = await candidatesByKeys(db, keyList);
  const candidateIds = new Set(hits.map((h) => h.canonicalId));
  const loaded = new Set(people.canonicals.map((c) => c.id));
  const more = await readBatchPeople(
    db,
    [],
    [...candidateIds].filter((id) => !loaded.has(id)),
  );
  people.canonicals.push(...more.canonicals);
  people.links.push(...more.links);
  people.snapshots.push(...more.snapshots);
  people.detachments.push(...more.detachments);
  people.unfinished.push(...more.unfinished);
  const canons = people.canonicals.filter((c) => candidateIds.has(c.id));
  const linkedIn = groupBy(
    people.links.filter((l) => candidateIds.has(l.canonicalId)),
    (l) => l.canonicalId,
  );
  const known: BatchPerson[] = canons.map((c) => ({
    canonicalId: c.id,
    canonical: c.data as Canonical,
    linkedConnections: (linkedIn.get(c.id) ?? []).map((l) => l.connectionId),
  }));
  const records = unlinked.map((row) => ({
    row,
    connectionId: row.connectionId,
    externalId: row.externalId,
    projection: row.projection as Projection,
    updatedAt: row.remoteUpdatedAt?.toISOString() ?? null,
  }));
  const matched = matchBatch(records, known, randomUUID);
  for (const { record, conflict } of matched.conflicts)
    write.conflicts.push(conflictWrite(conflict, runOf(record.row)));
  const links = new Map<string, SnapshotRow[]>();
  for (const [id, list] of matched.links)
    links.set(
      id,
      list.map((r) => r.row),
    );
  return { links, fresh: matched.fresh };
}
