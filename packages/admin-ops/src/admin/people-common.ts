import { type Canonical, sha256 } from '@contact-sync/core';
import { type Db, lockCanonicals, opCountOfPeople, personRows, toJson } from '@contact-sync/store';
import { z } from 'zod';
import { isUuid } from './runs.ts';
import { AdminOpError } from './views.ts';

/** A provider record of a person, as merge and split name it. */
export const RecordRef = z.strictObject({ connectionId: z.string().min(1), externalId: z.string().min(1) });
export type RecordRef = z.infer<typeof RecordRef>;

export const refKey = (r: RecordRef): string => `${r.connectionId}\u0000${r.externalId}`;

/** Locks the people and checks each is a live person with no push under way (its state is settled). */
export async function lockLivePeople(
  tx: Db,
  ids: { name: string; id: string }[],
): Promise<Map<string, { id: string; data: Canonical }>> {
  for (const { name, id } of ids)
    if (!isUuid(id)) throw new AdminOpError('invalid', `${name}: "${id}" is not a person id`);
  await lockCanonicals(
    tx,
    ids.map((i) => i.id),
  );
  const rows = await personRows(
    tx,
    ids.map((i) => i.id),
  );
  const out = new Map<string, { id: string; data: Canonical }>();
  for (const { name, id } of ids) {
    const row = rows.find((r) => r.id === id);
    if (!row) throw new AdminOpError('not_found', `${name}: person ${id} not found`);
    if (row.deletedAt) throw new AdminOpError('conflict', `${name}: person ${id} is deleted`);
    if (row.mergedIntoId)
      throw new AdminOpError('conflict', `${name}: person ${id} was merged into ${row.mergedIntoId}`);
    out.set(id, { id, data: row.data });
  }
  const busy = await opCountOfPeople(
    tx,
    ids.map((i) => i.id),
    ['pending', 'in_flight', 'held'],
  );
  if (busy > 0)
    throw new AdminOpError(
      'conflict',
      `${busy} push(es) for these people are still under way or held; decide again once they finished`,
    );
  return out;
}

/** An `admin-merge` report entry (status info): what a merge or split did that is not a canonical value. */
export const mergeReport = (
  canonicalId: string,
  at: { connectionId: string | null; externalId: string | null; field: string | null; value: unknown },
  message: string,
  mergeId: string,
) => ({
  dedupeKey: sha256(
    ['admin-merge', mergeId, canonicalId, at.connectionId, at.externalId, at.field, message].join('\u0000'),
  ),
  kind: 'admin-merge',
  canonicalId,
  connectionId: at.connectionId,
  field: at.field,
  sides: toJson(at.externalId ? [{ connectionId: at.connectionId, externalId: at.externalId, value: at.value }] : []),
  ...(at.value === null || at.value === undefined ? {} : { chosen: toJson(at.value) }),
  rule: message,
  status: 'info',
  runId: null,
});
