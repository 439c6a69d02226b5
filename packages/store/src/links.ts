import type { Db } from './client.ts';
import type { Link } from './generated/prisma/client.ts';
import { toJson } from './json.ts';

export type { Link };

export async function linksByExternal(db: Db, keys: { connectionId: string; externalId: string }[]): Promise<Link[]> {
  if (keys.length === 0) return [];
  return db.$queryRaw<Link[]>`
    SELECT l.* FROM links l
    JOIN unnest(${keys.map((k) => k.connectionId)}::text[], ${keys.map((k) => k.externalId)}::text[]) AS k(c, e)
      ON l."connectionId" = k.c AND l."externalId" = k.e`;
}

export async function linksByCanonical(db: Db, canonicalIds: string[]): Promise<Link[]> {
  if (canonicalIds.length === 0) return [];
  return db.link.findMany({ where: { canonicalId: { in: canonicalIds } } });
}

export async function findLink(db: Db, connectionId: string, canonicalId: string): Promise<Link | null> {
  return db.link.findUnique({ where: { connectionId_canonicalId: { connectionId, canonicalId } } });
}

/** After a successful push: the base becomes what the provider now holds. */
export async function upsertLinkAfterPush(
  db: Db,
  link: {
    connectionId: string;
    externalId: string;
    canonicalId: string;
    base: unknown;
    baseHash: string;
    extras: Record<string, unknown>;
  },
): Promise<void> {
  await db.link.upsert({
    where: { connectionId_externalId: { connectionId: link.connectionId, externalId: link.externalId } },
    create: { ...link, base: toJson(link.base), extras: toJson(link.extras) },
    update: {
      canonicalId: link.canonicalId,
      base: toJson(link.base),
      baseHash: link.baseHash,
      extras: toJson(link.extras),
    },
  });
}

export async function deleteLink(db: Db, connectionId: string, externalId: string): Promise<void> {
  await db.link.deleteMany({ where: { connectionId, externalId } });
}
