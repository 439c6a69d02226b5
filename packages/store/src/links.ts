import type { Db } from './client.ts';
import type { Link } from './generated/prisma/client.ts';

export type { Link };

export async function linksByCanonical(db: Db, canonicalIds: string[]): Promise<Link[]> {
  if (canonicalIds.length === 0) return [];
  return db.link.findMany({ where: { canonicalId: { in: canonicalIds } } });
}
