import { heldDeletesPage, recordsOf } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { decodeCursor, iso, pageOf, parseInput } from './page.ts';
import { HeldDeleteQuery, type HeldDeleteView, type Page } from './views.ts';

/** Deletes the mass-delete guard held back, newest first, with the record as last pulled. */
export async function listHeldDeletes(res: AdminContext, query: HeldDeleteQuery = {}): Promise<Page<HeldDeleteView>> {
  const q = parseInput(HeldDeleteQuery, query);
  const rows = await heldDeletesPage(res.prisma, {
    limit: q.limit,
    after: decodeCursor(q.cursor),
    ...(q.connectionId ? { connectionId: q.connectionId } : {}),
    ...(q.status ? { status: q.status } : {}),
  });
  const k = (c: string, e: string) => `${c}\u0000${e}`;
  const { projection: snapOf, canonicalId: linkOf } = await recordsOf(
    res.prisma,
    rows.map((r) => ({ connectionId: r.connectionId, externalId: r.externalId })),
  );
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
