import type { Resources } from '../resources.ts';
import { afterCursor, decodeCursor, orderNewest, pageOf, parseInput } from './page.ts';
import { type Page, QuarantineQuery, type QuarantineView } from './views.ts';

/** Records providers returned that failed validation, with the precise error, newest first. */
export async function listQuarantine(res: Resources, query: QuarantineQuery = {}): Promise<Page<QuarantineView>> {
  const q = parseInput(QuarantineQuery, query);
  const rows = await res.prisma.quarantinedRecord.findMany({
    where: {
      ...(q.connectionId ? { connectionId: q.connectionId } : {}),
      ...afterCursor('createdAt', decodeCursor(q.cursor)),
    },
    orderBy: orderNewest('createdAt'),
    take: q.limit + 1,
  });
  return pageOf(
    rows,
    q.limit,
    (r) => r.createdAt,
    (r) => ({
      id: r.id,
      connectionId: r.connectionId,
      externalId: r.externalId,
      runId: r.runId,
      raw: r.raw,
      error: r.error,
      createdAt: r.createdAt.toISOString(),
    }),
  );
}
