import { quarantinePage } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { decodeCursor, pageOf, parseInput } from './page.ts';
import { type Page, QuarantineQuery, type QuarantineView } from './views.ts';

/** Records providers returned that failed validation, with the precise error, newest first. */
export async function listQuarantine(res: AdminContext, query: QuarantineQuery = {}): Promise<Page<QuarantineView>> {
  const q = parseInput(QuarantineQuery, query);
  const rows = await quarantinePage(res.prisma, {
    limit: q.limit,
    after: decodeCursor(q.cursor),
    ...(q.connectionId ? { connectionId: q.connectionId } : {}),
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
