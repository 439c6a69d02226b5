import type { Db } from './client.ts';

/** Reads about people (canonical records) for the admin surfaces: lookup, their links, their writes. */

/** A person by id, with the person it was merged into (if any); null when there is none. */
export const findPerson = (db: Db, id: string) =>
  db.canonicalContact.findUnique({ where: { id }, select: { id: true, mergedIntoId: true } });

/** The people holding a canonical key (an e-mail or a phone, normalized as the keys hold them). */
export async function holdersOfKey(db: Db, key: { kind: string; value: string }): Promise<string[]> {
  const hits = await db.canonicalKey.findMany({ where: key, select: { canonicalId: true } });
  return [...new Set(hits.map((h) => h.canonicalId))];
}

/** A person's outbox ops (the writes to providers), newest first. */
export const opsOfPerson = (db: Db, canonicalId: string, limit: number) =>
  db.outboxOp.findMany({ where: { canonicalId }, orderBy: { createdAt: 'desc' }, take: limit });

/** These people's canonical rows and all their links (by connection). */
export const peopleAndLinks = (db: Db, ids: string[]) =>
  Promise.all([
    db.canonicalContact.findMany({ where: { id: { in: ids } } }),
    db.link.findMany({ where: { canonicalId: { in: ids } }, orderBy: { connectionId: 'asc' } }),
  ]);

/** The snapshot rows of these records (gone ones included). */
export const snapshotsOf = (db: Db, keys: { connectionId: string; externalId: string }[]) =>
  keys.length === 0 ? Promise.resolve([]) : db.snapshotRecord.findMany({ where: { OR: keys } });

/** Every link with its person (the convergence check reads them all). */
export const allLinksWithPeople = (db: Db) => db.link.findMany({ include: { canonical: true } });

/** Every snapshot row's projection and whether it is gone. */
export const allSnapshotProjections = (db: Db) =>
  db.snapshotRecord.findMany({ select: { connectionId: true, externalId: true, projection: true, goneAt: true } });

/** Up to `take` live people with an e-mail key and no record in the connection (with their e-mail keys). */
export const peopleWithoutRecordIn = (db: Db, connectionId: string, take: number) =>
  db.canonicalContact.findMany({
    where: { deletedAt: null, links: { none: { connectionId } }, keys: { some: { kind: 'email' } } },
    include: { keys: { where: { kind: 'email' } } },
    orderBy: { id: 'asc' },
    take,
  });
