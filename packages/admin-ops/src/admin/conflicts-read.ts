import { type Conflict, conflictById, conflictsPage, peopleWithRecords } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { decodeCursor, iso, pageOf, parseInput } from './page.ts';
import { isUuid } from './runs.ts';
import { AdminOpError, type CandidateView, ConflictQuery, type ConflictView, type Page } from './views.ts';

export type ConflictRow = Conflict;

export interface StoredSide {
  connectionId: string;
  externalId: string | null;
  value: unknown;
  updatedAt?: string | null;
  candidates?: string[];
}

export const sidesOf = (row: ConflictRow): StoredSide[] =>
  Array.isArray(row.sides) ? (row.sides as unknown as StoredSide[]) : [];

/** Candidate ids of a matching conflict (stored on its side). */
export const candidateIdsOf = (row: ConflictRow): string[] => [
  ...new Set(sidesOf(row).flatMap((s) => s.candidates ?? [])),
];

export function conflictView(row: ConflictRow, candidates?: CandidateView[]): ConflictView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    canonicalId: row.canonicalId,
    connectionId: row.connectionId,
    field: row.field,
    base: row.base,
    sides: sidesOf(row).map((s) => ({
      connectionId: s.connectionId,
      externalId: s.externalId ?? null,
      value: s.value ?? null,
      updatedAt: s.updatedAt ?? null,
    })),
    chosen: row.chosen,
    rule: row.rule,
    resolution: row.resolution,
    runId: row.runId,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: iso(row.resolvedAt),
    ...(candidates ? { candidates } : {}),
  };
}

/**
 * The conflict report, newest first. `connectionId` matches any side of the conflict (a
 * field conflict names several connections).
 */
export async function listConflicts(res: AdminContext, query: ConflictQuery = {}): Promise<Page<ConflictView>> {
  const q = parseInput(ConflictQuery, query);
  const rows = await conflictsPage(res.prisma, { ...q, limit: q.limit, after: decodeCursor(q.cursor) });
  return pageOf(
    rows,
    q.limit,
    (r) => r.createdAt,
    (r) => conflictView(r),
  );
}

export async function loadConflict(res: AdminContext, id: string): Promise<ConflictRow> {
  const row = isUuid(id) ? await conflictById(res.prisma, id) : null;
  if (!row) throw new AdminOpError('not_found', `conflict "${id}" not found`);
  return row;
}

/** One conflict; for a matching conflict, with the candidate people side by side. */
export async function getConflict(res: AdminContext, id: string): Promise<ConflictView> {
  const row = await loadConflict(res, id);
  const ids = candidateIdsOf(row);
  if (ids.length === 0) return conflictView(row);
  return conflictView(row, await candidatesOf(res, ids));
}

export async function candidatesOf(res: AdminContext, ids: string[]): Promise<CandidateView[]> {
  const rows = await peopleWithRecords(res.prisma, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const c = byId.get(id);
    return c ? [{ id, data: c.data, deleted: c.deletedAt !== null || c.mergedIntoId !== null, links: c.links }] : [];
  });
}
