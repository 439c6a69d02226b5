import type { Projection } from '@contact-sync/core';
import type { Db } from './client.ts';
import type { Link } from './generated/prisma/client.ts';
import { toJson } from './json.ts';
import { projectionOrNull } from './typed-json.ts';

/** A link with its base (what was last written to the record, or read from it) parsed. */
export type PersonLink = Omit<Link, 'base'> & { base: Projection | null };

const typedLink = (l: Link): PersonLink => ({ ...l, base: projectionOrNull(l.base) });

export async function linksByCanonical(db: Db, canonicalIds: string[]): Promise<PersonLink[]> {
  if (canonicalIds.length === 0) return [];
  const rows = await db.link.findMany({ where: { canonicalId: { in: canonicalIds } } });
  return rows.map(typedLink);
}

type RecordAt = { connectionId: string; externalId: string };

/** The link of a provider record, if it is linked. */
export const linkAt = (db: Db, at: RecordAt) => db.link.findUnique({ where: { connectionId_externalId: at } });

/** A person's link in a connection (a person has at most one record per connection). */
export const linkOfPersonIn = (db: Db, connectionId: string, canonicalId: string) =>
  db.link.findUnique({ where: { connectionId_canonicalId: { connectionId, canonicalId } } });

/** Links a provider record to a person; without a base the record only proposes its values. */
export async function createLink(
  db: Db,
  link: RecordAt & { canonicalId: string; base?: { value: Projection; hash: string }; extras: unknown },
): Promise<void> {
  await db.link.create({
    data: {
      connectionId: link.connectionId,
      externalId: link.externalId,
      canonicalId: link.canonicalId,
      ...(link.base ? { base: toJson(link.base.value), baseHash: link.base.hash } : {}),
      extras: toJson(link.extras ?? {}),
    },
  });
}

/** Moves links (by id) to another person. */
export async function moveLinks(db: Db, linkIds: string[], canonicalId: string): Promise<void> {
  await db.link.updateMany({ where: { id: { in: linkIds } }, data: { canonicalId } });
}

/** Deletes links by id (the records stay at their provider, unlinked). */
export async function deleteLinks(db: Db, linkIds: string[]): Promise<void> {
  await db.link.deleteMany({ where: { id: { in: linkIds } } });
}

/** Every link, as (record, person) pairs. */
export const allLinkRefs = (db: Db) =>
  db.link.findMany({ select: { connectionId: true, externalId: true, canonicalId: true } });
