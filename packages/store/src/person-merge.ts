import { type Canonical, type Projection, ProjectionSchema } from '@contact-sync/core';
import { z } from 'zod';
import type { Db } from './client.ts';
import type { PersonMerge } from './generated/prisma/client.ts';
import { toJson } from './json.ts';
import { canonicalOf } from './typed-json.ts';

/**
 * What an admin's merge of two people writes and its split reads back: the merge row keeps both
 * records as they were and the records it moved or left unlinked, so a split can restore them.
 */

/** A provider record a merge moved (with its link's base) or left unlinked (with its extras too). */
export interface MergedRecord {
  connectionId: string;
  externalId: string;
  base: Projection | null;
  extras?: unknown;
}

const MergedRecords = z.array(
  z.object({
    connectionId: z.string(),
    externalId: z.string(),
    base: ProjectionSchema.nullish().transform((b) => b ?? null),
    extras: z.unknown().optional(),
  }),
);

/** A merge row with its JSON columns parsed. */
export type PersonMergeRow = Omit<PersonMerge, 'intoBefore' | 'fromBefore' | 'merged' | 'links' | 'duplicates'> & {
  intoBefore: Canonical;
  fromBefore: Canonical;
  merged: Canonical;
  links: MergedRecord[];
  duplicates: MergedRecord[];
};

const typedMerge = (m: PersonMerge): PersonMergeRow => ({
  ...m,
  intoBefore: canonicalOf(m.intoBefore),
  fromBefore: canonicalOf(m.fromBefore),
  merged: canonicalOf(m.merged),
  links: MergedRecords.parse(m.links),
  duplicates: MergedRecords.parse(m.duplicates),
});

/** The merges into a person not split yet, newest first. */
export async function openMergesInto(db: Db, intoId: string): Promise<PersonMergeRow[]> {
  const rows = await db.personMerge.findMany({ where: { intoId, splitAt: null }, orderBy: { createdAt: 'desc' } });
  return rows.map(typedMerge);
}

/** Records a merge (both people as they were, the proposal, the records moved and left); returns its id. */
export async function createPersonMerge(
  db: Db,
  m: {
    intoId: string;
    fromId: string;
    intoBefore: Canonical;
    fromBefore: Canonical;
    merged: Canonical;
    links: MergedRecord[];
    duplicates: MergedRecord[];
    dropped: unknown;
    by: string | null;
  },
): Promise<string> {
  const row = await db.personMerge.create({
    data: {
      intoId: m.intoId,
      fromId: m.fromId,
      intoBefore: toJson(m.intoBefore),
      fromBefore: toJson(m.fromBefore),
      merged: toJson(m.merged),
      links: toJson(m.links),
      duplicates: toJson(m.duplicates),
      dropped: toJson(m.dropped),
      by: m.by,
    },
  });
  return row.id;
}

/** The merged person as the core wrote it, and what it does not hold. */
export async function updatePersonMerge(db: Db, id: string, m: { merged: Canonical; dropped: unknown }): Promise<void> {
  await db.personMerge.update({ where: { id }, data: { merged: toJson(m.merged), dropped: toJson(m.dropped) } });
}

/** Marks a merge undone by a split. */
export async function markMergeSplit(db: Db, id: string, at: Date): Promise<void> {
  await db.personMerge.update({ where: { id }, data: { splitAt: at } });
}

/** Retires a person merged into another: not deleted (a split brings them back), their keys no longer match. */
export async function retireMergedPerson(db: Db, fromId: string, intoId: string): Promise<void> {
  await db.canonicalContact.update({ where: { id: fromId }, data: { mergedIntoId: intoId } });
  await db.canonicalKey.deleteMany({ where: { canonicalId: fromId } });
}

/** Brings back a person a merge retired. */
export async function unretirePerson(db: Db, id: string): Promise<void> {
  await db.canonicalContact.update({ where: { id }, data: { mergedIntoId: null } });
}

/** Records that a person's records in these connections left them: they are not re-created for them there. */
export async function detachPerson(db: Db, canonicalId: string, connectionIds: string[]): Promise<void> {
  await db.detachment.createMany({
    data: connectionIds.map((connectionId) => ({ canonicalId, connectionId })),
    skipDuplicates: true,
  });
}
