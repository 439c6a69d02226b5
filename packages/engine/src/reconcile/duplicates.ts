import { type ConflictEntry, matchKeys, type Projection } from '@contact-sync/core';
import {
  type BatchLink,
  type BatchSnapshot,
  closeConflict,
  openDuplicateReports,
  type ReconcileWrite,
  readSnapshots,
  type SnapshotRow,
  type SqlDb,
} from '@contact-sync/store';
import { conflictWrite, k } from './batch-parts.ts';

/**
 * Of a provider's two records of one person, the one linked is the one matched first; when the
 * other arrived in a later batch it became a duplicate-in-provider report. Before such a person is
 * first planned (no side agreed yet), the record that agrees more with the person's other records
 * (shared e-mails first, then phones) becomes the linked one, and the report names the other: a
 * duplicate pulled before its original must not push its stray address everywhere.
 */
export async function preferAgreeingDuplicates(
  db: SqlDb,
  ids: string[],
  linksOf: Map<string, BatchLink[]>,
  snapOf: Map<string, BatchSnapshot>,
  newLinks: Map<string, { row: SnapshotRow; canonicalId: string }[]>,
  write: ReconcileWrite,
  at: Date,
): Promise<void> {
  const reports = await openDuplicateReports(db, ids);
  for (const report of reports) {
    const canonicalId = report.canonicalId!;
    const links = linksOf.get(canonicalId) ?? [];
    const side = (report.sides as { connectionId: string; externalId: string; value: unknown }[])[0];
    if (!side || links.length === 0 || links.some((l) => l.base !== null)) continue;
    const linked = links.find((l) => l.connectionId === side.connectionId);
    const [other] = await readSnapshots(db, [side]);
    const mine = linked && snapOf.get(k(linked.connectionId, linked.externalId));
    if (!linked || !other || other.goneAt || !mine || mine.goneAt) continue;
    const keysOf = (r: BatchSnapshot) => {
      const mk = matchKeys(r.projection as Projection);
      return [...mk.emails.map((v) => `e:${v}`), ...mk.phones.map((v) => `p:${v}`)];
    };
    const around = new Set(
      links
        .filter((l) => l.connectionId !== side.connectionId)
        .flatMap((l) => {
          const snap = snapOf.get(k(l.connectionId, l.externalId));
          return snap && !snap.goneAt ? keysOf(snap) : [];
        }),
    );
    const score = (r: BatchSnapshot) =>
      keysOf(r).reduce((n, key) => n + (around.has(key) ? (key.startsWith('e:') ? 2 : 1) : 0), 0);
    if (score(other) <= score(mine)) continue;
    linksOf.set(
      canonicalId,
      links.filter((l) => l !== linked),
    );
    newLinks.set(canonicalId, [...(newLinks.get(canonicalId) ?? []), { row: other, canonicalId }]);
    write.unlinks.push({ connectionId: linked.connectionId, externalId: linked.externalId });
    await closeConflict(db, report.id, {
      status: 'dismissed',
      resolution: { action: 'dismiss', by: 'contact-sync', reason: `linked instead of ${linked.externalId}` },
      at,
    });
    write.conflicts.push(
      conflictWrite(
        {
          kind: 'duplicate-in-provider',
          canonicalId,
          field: report.field as ConflictEntry['field'],
          key: null,
          base: null,
          sides: [
            {
              connectionId: linked.connectionId,
              externalId: linked.externalId,
              value: side.value as ConflictEntry['sides'][number]['value'],
              updatedAt: mine.remoteUpdatedAt?.toISOString() ?? null,
            },
          ],
          chosen: null,
          rule: `${linked.connectionId} holds another record of this person that agrees more with the others (${side.externalId}): link as a new person or merge?`,
          status: 'open',
          candidates: [canonicalId],
        },
        report.runId,
      ),
    );
  }
}
