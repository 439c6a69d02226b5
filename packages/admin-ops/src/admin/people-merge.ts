import {
  droppedValues,
  type LedgerCause,
  type MergeProposal,
  ProjectionSchema,
  proposeMerge,
} from '@contact-sync/core';
import {
  addConflicts,
  createPersonMerge,
  deleteLinks,
  linksByCanonical,
  moveLinks,
  moveOpenConflicts,
  personRowOrThrow,
  retireMergedPerson,
  updatePersonMerge,
} from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import { parseInput } from './page.ts';
import { lockLivePeople, mergeReport, type RecordRef } from './people-common.ts';
import { AdminOpError } from './views.ts';
import { decide } from './write.ts';

export const MergeInput = z.strictObject({
  /** The person who stays. */
  into: z.string().min(1),
  /** The person folded in (retired; a split brings them back). */
  from: z.string().min(1),
  /** Values the merged person takes instead of the proposal (a set field is taken whole). */
  values: ProjectionSchema.strict().optional(),
  /** Only show what the merge would keep and drop. */
  dryRun: z.boolean().optional(),
});
export type MergeInput = z.input<typeof MergeInput>;

export interface MergeResult extends MergeProposal {
  mergeId: string | null;
  into: string;
  from: string;
  dryRun: boolean;
  /** Records of `from` that move to `into`. */
  moved: RecordRef[];
  /** Records of `from` in a connection where `into` has one: left at the provider, unlinked, reported. */
  duplicates: RecordRef[];
  opsEnqueued: number;
}

const Ref = z.object({ connectionId: z.string(), externalId: z.string() });
export const MergeResultView = z.object({
  mergeId: z.string().nullable(),
  into: z.string(),
  from: z.string(),
  dryRun: z.boolean(),
  merged: z.unknown(),
  fields: z.array(z.object({ field: z.string(), into: z.unknown(), from: z.unknown(), merged: z.unknown() })),
  dropped: z.array(z.object({ side: z.enum(['into', 'from']), field: z.string(), value: z.unknown() })),
  moved: z.array(Ref),
  duplicates: z.array(Ref),
  opsEnqueued: z.number(),
});

class DryRun extends Error {}

/**
 * Merges two people through the decision write path: `from`'s records move to `into` (a record
 * in a connection where `into` already has one stays at the provider, unlinked and reported),
 * `into` takes the proposal's values (the union; an admin's edits on top) and the core plans the
 * writes that take them to every provider. `from` is retired (`mergedIntoId`), not deleted: the
 * merge row keeps both records as they were, so `splitPerson` can restore them. Every value of
 * either side the merged person does not hold is an `admin-merge` report entry.
 */
export async function mergePeople(res: AdminContext, input: MergeInput, by?: string | null): Promise<MergeResult> {
  const q = parseInput(MergeInput, input);
  if (q.into === q.from) throw new AdminOpError('invalid', 'from: a person cannot be merged into itself');
  const cause: LedgerCause = { kind: 'admin', by: by ?? null, action: `merge (${q.from} into ${q.into})` };
  const run = async (d: Parameters<Parameters<typeof decide>[1]>[0]): Promise<MergeResult> => {
    const people = await lockLivePeople(d.tx, [
      { name: 'into', id: q.into },
      { name: 'from', id: q.from },
    ]);
    const into = people.get(q.into)!.data;
    const from = people.get(q.from)!.data;
    const links = await linksByCanonical(d.tx, [q.into, q.from]);
    const intoConns = new Set(links.filter((l) => l.canonicalId === q.into).map((l) => l.connectionId));
    const fromLinks = links.filter((l) => l.canonicalId === q.from);
    const moved = fromLinks.filter((l) => !intoConns.has(l.connectionId));
    const dupes = fromLinks.filter((l) => intoConns.has(l.connectionId));
    const proposal = proposeMerge(into, from, q.values ?? {});
    const ref = (l: (typeof links)[number]) => ({ connectionId: l.connectionId, externalId: l.externalId });
    const result: MergeResult = {
      ...proposal,
      mergeId: null,
      into: q.into,
      from: q.from,
      dryRun: q.dryRun === true,
      moved: moved.map(ref),
      duplicates: dupes.map(ref),
      opsEnqueued: 0,
    };
    const mergeId = await createPersonMerge(d.tx, {
      intoId: q.into,
      fromId: q.from,
      intoBefore: into,
      fromBefore: from,
      merged: proposal.merged,
      links: moved.map((l) => ({ ...ref(l), base: l.base })),
      duplicates: dupes.map((l) => ({ ...ref(l), base: l.base, extras: l.extras })),
      dropped: proposal.dropped,
      by: by ?? null,
    });
    if (!q.dryRun) result.mergeId = mergeId;
    if (moved.length > 0)
      await moveLinks(
        d.tx,
        moved.map((l) => l.id),
        q.into,
      );
    if (dupes.length > 0)
      await deleteLinks(
        d.tx,
        dupes.map((l) => l.id),
      );
    await retireMergedPerson(d.tx, q.from, q.into);
    // What still waits for a decision about `from` is about the merged person now (their records).
    await moveOpenConflicts(d.tx, q.from, q.into);
    await d.replan({
      canonicalIds: [q.into],
      adjust: (i) => (i.canonicalId === q.into ? { ...i, canonical: proposal.merged } : i),
      cause,
    });
    // What the core made of the proposal (a national phone resolved against the others, say) is
    // what was merged: the split compares with it, and what it does not hold is reported.
    const mergedNow = (await personRowOrThrow(d.tx, q.into)).data;
    const dropped = droppedValues(into, from, mergedNow);
    Object.assign(result, { merged: mergedNow, dropped });
    await updatePersonMerge(d.tx, mergeId, { merged: mergedNow, dropped });
    const reports = [
      ...dupes.map((l) =>
        mergeReport(
          q.into,
          { ...ref(l), field: null, value: null },
          `${l.connectionId} holds a record of each merged person: ${l.externalId} (of ${q.from}) stays there, unlinked; delete it there or split ${q.into} to restore it`,
          mergeId,
        ),
      ),
      ...dropped.map((x) =>
        mergeReport(
          q.into,
          { connectionId: null, externalId: null, field: x.field, value: x.value },
          `merge of ${q.from} into ${q.into}: ${x.field} ${show(x.value)} of ${x.side === 'into' ? q.into : q.from} is not kept (the merge keeps it; a split restores it)`,
          mergeId,
        ),
      ),
    ];
    if (reports.length > 0) await addConflicts(d.tx, reports);
    return result;
  };
  if (q.dryRun) {
    // Read under the same checks, in a transaction rolled back: nothing is written.
    let out: MergeResult | undefined;
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

const show = (v: unknown): string =>
  typeof v === 'string' ? `"${v}"` : v && typeof v === 'object' && 'value' in v ? `"${String(v.value)}"` : String(v);
