import type { Resources } from '../resources.ts';
import { afterCursor, decodeCursor, iso, orderNewest, pageOf, parseInput } from './page.ts';
import { HeldDeleteQuery, type HeldDeleteView, type Page } from './views.ts';

/** Deletes the mass-delete guard held back, newest first, with the record as last pulled. */
export async function listHeldDeletes(res: Resources, query: HeldDeleteQuery = {}): Promise<Page<HeldDeleteView>> {
  const q = parseInput(HeldDeleteQuery, query);
  const rows = await res.prisma.heldDelete.findMany({
    where: {
      ...(q.connectionId ? { connectionId: q.connectionId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...afterCursor('createdAt', decodeCursor(q.cursor)),
    },
    orderBy: orderNewest('createdAt'),
    take: q.limit + 1,
  });
  const keys = rows.map((r) => ({ connectionId: r.connectionId, externalId: r.externalId }));
  const [snaps, links] = await Promise.all([
    res.prisma.snapshotRecord.findMany({
      where: { OR: keys },
      select: { connectionId: true, externalId: true, projection: true },
    }),
    res.prisma.link.findMany({
      where: { OR: keys },
      select: { connectionId: true, externalId: true, canonicalId: true },
    }),
  ]);
  const k = (c: string, e: string) => `${c}\u0000${e}`;
  const snapOf = new Map(snaps.map((s) => [k(s.connectionId, s.externalId), s.projection]));
  const linkOf = new Map(links.map((l) => [k(l.connectionId, l.externalId), l.canonicalId]));
  return pageOf(
    rows,
    q.limit,
    (r) => r.createdAt,
    (r) => ({
      id: r.id,
      connectionId: r.connectionId,
      externalId: r.externalId,
      runId: r.runId,
      status: r.status as HeldDeleteView['status'],
      createdAt: r.createdAt.toISOString(),
      decidedAt: iso(r.decidedAt),
      projection: snapOf.get(k(r.connectionId, r.externalId)) ?? null,
      canonicalId: linkOf.get(k(r.connectionId, r.externalId)) ?? null,
    }),
  );
}
