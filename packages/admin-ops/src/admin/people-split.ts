import { randomUUID } from 'node:crypto';
import { type Canonical, contentHash, type LedgerCause, personOfRecords, restoreAfterSplit } from '@contact-sync/core';
import {
  addConflicts,
  createEmptyPerson,
  createLink,
  type Db,
  detachPerson,
  linkAt,
  linkOfPersonIn,
  linksByCanonical,
  lockPerson,
  type MergedRecord,
  markMergeSplit,
  moveLinks,
  openMergesInto,
  personRow,
  snapshotAt,
  snapshotsOf,
  unretirePerson,
} from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import { parseInput } from './page.ts';
import { lockLivePeople, mergeReport, RecordRef, refKey } from './people-common.ts';
import { AdminOpError } from './views.ts';
import { decide } from './write.ts';

export const SplitInput = z.strictObject({
  /** The records that leave the person (each one of theirs; at least one stays). */
  links: z.array(RecordRef).min(1),
});
export type SplitInput = z.input<typeof SplitInput>;

export interface SplitResult {
  canonicalId: string;
  /** The person the records now belong to: the one merged in, brought back, or a new person. */
  newCanonicalId: string;
  /** The merge this split undid (null: no merge moved exactly these records; a new person). */
  restoredMerge: string | null;
  moved: RecordRef[];
  /** Duplicates the merge left unlinked that are linked again. */
  relinked: RecordRef[];
  opsEnqueued: number;
}

const Ref = z.object({ connectionId: z.string(), externalId: z.string() });
export const SplitResultView = z.object({
  canonicalId: z.string(),
  newCanonicalId: z.string(),
  restoredMerge: z.string().nullable(),
  moved: z.array(Ref),
  relinked: z.array(Ref),
  opsEnqueued: z.number(),
});

/**
 * Splits records off a person through the decision write path. When the records are exactly
 * those a merge into this person moved, the merge is undone: the person merged in comes back
 * with the records, each person's record goes back to what it was before the merge (cells
 * changed since are kept as they are now, by both), the duplicates the merge left unlinked are
 * linked again, and the core plans the writes that give every provider back what it held.
 * Otherwise the records become a new person made of their values (created in the other connections
 * as a new person is); the person keeps their values and is not re-created where the records left.
 */
export async function splitPerson(
  res: AdminContext,
  id: string,
  input: SplitInput,
  by?: string | null,
): Promise<SplitResult> {
  const q = parseInput(SplitInput, input);
  const cause: LedgerCause = { kind: 'admin', by: by ?? null, action: `split (of ${id})` };
  const { value, opsEnqueued } = await decide(
    res,
    async (d) => {
      const person = (await lockLivePeople(d.tx, [{ name: 'id', id }])).get(id)!;
      const links = await linksByCanonical(d.tx, [id]);
      const mine = new Map(links.map((l) => [refKey(l), l]));
      const wanted = new Set(q.links.map(refKey));
      if (wanted.size !== q.links.length) throw new AdminOpError('invalid', 'links: a record is named twice');
      const merges = await openMergesInto(d.tx, id);
      // A merge is undone by naming the records the person merged in had: those it moved here,
      // and its duplicates the merge left unlinked at their provider.
      const recordsOf = (m: (typeof merges)[number]) => [...m.links, ...m.duplicates];
      const merge = merges.find((m) => {
        const refs = recordsOf(m);
        return refs.length === wanted.size && refs.every((r) => wanted.has(refKey(r)));
      });
      const theirs = new Set(merge ? recordsOf(merge).map(refKey) : []);
      q.links.forEach((r, i) => {
        if (!mine.has(refKey(r)) && !theirs.has(refKey(r)))
          throw new AdminOpError(
            'invalid',
            `links.${i}: ${r.connectionId} record "${r.externalId}" is not a record of person ${id}`,
          );
      });
      const moving = q.links.flatMap((r) => mine.get(refKey(r)) ?? []);
      if (moving.length === links.length)
        throw new AdminOpError('invalid', `links: every record of person ${id} would leave it; leave at least one`);
      if (!merge && moving.length === 0) throw new AdminOpError('invalid', 'links: none is a record of this person');
      const result: SplitResult = {
        canonicalId: id,
        newCanonicalId: '',
        restoredMerge: merge?.id ?? null,
        moved: q.links,
        relinked: [],
        opsEnqueued: 0,
      };
      let keep: Canonical | null = null;
      let other: Canonical;
      if (merge) {
        const fromId = merge.fromId;
        await lockPerson(d.tx, fromId);
        const from = await personRow(d.tx, fromId);
        if (!from || from.mergedIntoId !== id)
          throw new AdminOpError('conflict', `person ${fromId} of merge ${merge.id} is no longer merged into ${id}`);
        keep = restoreAfterSplit(merge.intoBefore, merge.merged, person.data);
        other = restoreAfterSplit(merge.fromBefore, merge.merged, person.data);
        await unretirePerson(d.tx, fromId);
        await markMergeSplit(d.tx, merge.id, res.now());
        result.newCanonicalId = fromId;
        result.relinked = await relinkDuplicates(d.tx, fromId, merge.duplicates);
      } else {
        const snaps = await snapshotsOf(
          d.tx,
          moving.map((l) => ({ connectionId: l.connectionId, externalId: l.externalId })),
        );
        const current = (l: (typeof moving)[number]) => {
          const s = snaps.find((x) => x.connectionId === l.connectionId && x.externalId === l.externalId);
          return (s && !s.goneAt ? s.projection : l.base) ?? {};
        };
        other = personOfRecords(moving.map(current));
        const newId = randomUUID();
        // Stored empty, so the ledger shows every value the new person takes, with the split as cause.
        await createEmptyPerson(d.tx, newId);
        // The records were not this person's: they are not re-created for them where they left.
        await detachPerson(d.tx, id, [...new Set(moving.map((l) => l.connectionId))]);
        result.newCanonicalId = newId;
      }
      const newId = result.newCanonicalId;
      await moveLinks(
        d.tx,
        moving.map((l) => l.id),
        newId,
      );
      await addConflicts(d.tx, [
        mergeReport(
          id,
          { connectionId: null, externalId: null, field: null, value: null },
          `split of ${id}: ${q.links.map((r) => `${r.connectionId} ${r.externalId}`).join(', ')} now belong to ${newId}${merge ? ` (merge ${merge.id} undone)` : ''}`,
          merge?.id ?? newId,
        ),
      ]);
      const target = new Map<string, Canonical>([[newId, other]]);
      if (keep) target.set(id, keep);
      await d.replan({
        canonicalIds: [id, newId],
        adjust: (i) => (target.has(i.canonicalId) ? { ...i, canonical: target.get(i.canonicalId)! } : i),
        cause,
      });
      return result;
    },
    { cause },
  );
  return { ...value, opsEnqueued };
}

/** Links again the duplicates a merge left unlinked, where the record is still there and still unlinked. */
async function relinkDuplicates(tx: Db, canonicalId: string, dupes: MergedRecord[]): Promise<RecordRef[]> {
  const out: RecordRef[] = [];
  for (const r of dupes) {
    const at = { connectionId: r.connectionId, externalId: r.externalId };
    const [snap, link, taken] = await Promise.all([
      snapshotAt(tx, at),
      linkAt(tx, at),
      linkOfPersonIn(tx, r.connectionId, canonicalId),
    ]);
    if (!snap || snap.goneAt || link || taken) continue;
    await createLink(tx, {
      ...at,
      canonicalId,
      ...(r.base ? { base: { value: r.base, hash: contentHash(r.base) } } : {}),
      extras: r.extras ?? {},
    });
    out.push(at);
  }
  return out;
}
