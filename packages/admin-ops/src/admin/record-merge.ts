import { droppedValues, type LedgerCause, ProjectionSchema, personOfRecords, proposeMerge } from '@contact-sync/core';
import { addConflicts, closeConflict, lockConflictRow, personRowOrThrow, snapshotAt } from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import { loadConflict, sidesOf } from './conflicts-read.ts';
import { parseInput } from './page.ts';
import { lockLivePeople, mergeReport } from './people-common.ts';
import { MergeResultView } from './people-merge.ts';
import { AdminOpError } from './views.ts';
import { decide } from './write.ts';

export const MergeRecordInput = z.strictObject({
  values: ProjectionSchema.strict().optional(),
  dryRun: z.boolean().optional(),
});
export type MergeRecordInput = z.input<typeof MergeRecordInput>;
export const MergeRecordView = MergeResultView;
export type MergeRecordView = z.infer<typeof MergeRecordView>;

class DryRun extends Error {}

/**
 * "Merge these people" on a duplicate in a provider: the provider holds a second record of a
 * person (it cannot be linked: the person has a record there). Its values join the person's (the
 * union, an admin's edits on top) and flow out to every provider through the decision write
 * path; the record stays at its provider, unlinked (delete it there), and the entry is resolved.
 * Every value of either that the person does not keep is reported.
 */
export async function mergeDuplicateRecord(
  res: AdminContext,
  conflictId: string,
  input: MergeRecordInput = {},
  by?: string | null,
): Promise<MergeRecordView> {
  const q = parseInput(MergeRecordInput, input);
  const row = await loadConflict(res, conflictId);
  if (row.kind !== 'duplicate-in-provider')
    throw new AdminOpError('invalid', `conflict ${row.id} is a ${row.kind}: merge people with POST /people/merge`);
  if (row.status !== 'open') throw new AdminOpError('conflict', `conflict ${row.id} is already ${row.status}`);
  const side = sidesOf(row)[0];
  if (!row.canonicalId || !side?.externalId)
    throw new AdminOpError('invalid', `conflict ${row.id} names no person or record`);
  const personId = row.canonicalId;
  const cause: LedgerCause = { kind: 'admin', by: by ?? null, action: `merge record (conflict ${row.id})` };
  const run = async (d: Parameters<Parameters<typeof decide>[1]>[0]): Promise<MergeRecordView> => {
    const current = await lockConflictRow(d.tx, row.id);
    if (current.status !== 'open')
      throw new AdminOpError('conflict', `conflict ${row.id} is already ${current.status}`);
    const person = (await lockLivePeople(d.tx, [{ name: 'person', id: personId }])).get(personId)!.data;
    const at = { connectionId: side.connectionId, externalId: side.externalId! };
    const snap = await snapshotAt(d.tx, at);
    if (!snap || snap.goneAt)
      throw new AdminOpError(
        'conflict',
        `${at.connectionId} record "${at.externalId}" no longer exists at the provider`,
      );
    const record = personOfRecords([snap.projection]);
    const proposal = proposeMerge(person, record, q.values ?? {});
    await d.replan({
      canonicalIds: [personId],
      adjust: (i) => (i.canonicalId === personId ? { ...i, canonical: proposal.merged } : i),
      cause,
    });
    const merged = (await personRowOrThrow(d.tx, personId)).data;
    const dropped = droppedValues(person, record, merged);
    await addConflicts(
      d.tx,
      dropped.map((x) =>
        mergeReport(
          personId,
          { connectionId: null, externalId: null, field: x.field, value: x.value },
          `merge of ${at.connectionId} record ${at.externalId} into ${personId}: ${x.field} of the ${x.side === 'into' ? 'person' : 'record'} is not kept`,
          row.id,
        ),
      ),
    );
    await closeConflict(d.tx, row.id, {
      status: 'resolved',
      resolution: { action: 'merge', canonicalId: personId, dropped, by: by ?? null, at: res.now().toISOString() },
      at: res.now(),
    });
    return {
      ...proposal,
      merged,
      dropped,
      mergeId: null,
      into: personId,
      from: `${at.connectionId}:${at.externalId}`,
      dryRun: q.dryRun === true,
      moved: [],
      duplicates: [at],
      opsEnqueued: 0,
    };
  };
  if (q.dryRun) {
    let out: MergeRecordView | undefined;
    await decide(res, async (d) => {
      out = await run(d);
      throw new DryRun();
    }).catch((e) => {
      if (!(e instanceof DryRun)) throw e;
    });
    return out!;
  }
  const { value, opsEnqueued } = await decide(res, run, { cause });
  return { ...value, opsEnqueued };
}
