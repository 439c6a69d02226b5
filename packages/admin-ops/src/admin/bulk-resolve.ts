import { conflictCountsBy, conflictsOldestFirst } from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import type { ConflictRow } from './conflicts-read.ts';
import { fieldResolution } from './field-resolution.ts';
import { parseInput } from './page.ts';
import { resolveConflict } from './resolve.ts';
import { AdminOpError } from './views.ts';

/** At most this many conflicts per bulk decision (narrow the filter for more). */
export const BULK_MAX = 10_000;
const SAMPLE = 50;

export const BulkFilter = z.strictObject({
  kind: z.string().min(1).optional(),
  connectionId: z.string().min(1).optional(),
  field: z.string().min(1).optional(),
  /** open (default) or auto-resolved: only conflicts still open to a decision. */
  status: z.enum(['open', 'auto-resolved']).default('open'),
});

/** One rule for every selected conflict: pick a connection's value, keep the policy's, or dismiss. */
export const BulkRule = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('pick'), connectionId: z.string().min(1) }),
  z.strictObject({ action: z.literal('keep') }),
  z.strictObject({ action: z.literal('dismiss') }),
]);

export const BulkRequest = z.strictObject({
  filter: BulkFilter,
  decision: BulkRule,
  /** The count the preview showed: the decision is refused if the filter now selects another number. */
  expect: z.number().int().min(0).optional(),
});
export type BulkRequest = z.input<typeof BulkRequest>;

const Item = z.object({
  id: z.string(),
  kind: z.string(),
  canonicalId: z.string().nullable(),
  field: z.string().nullable(),
  /** The value the conflict holds now and the one the rule gives it. */
  chosen: z.unknown(),
  value: z.unknown(),
});
export const BulkPreviewView = z.object({
  /** Conflicts the filter selects. */
  count: z.number(),
  /** Of those, the ones the rule applies to (the others are left as they are). */
  applicable: z.number(),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
  /** The first few changes, as the rule would make them. */
  sample: z.array(Item),
});
export type BulkPreviewView = z.infer<typeof BulkPreviewView>;

export const BulkResultView = z.object({
  count: z.number(),
  resolved: z.number(),
  opsEnqueued: z.number(),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
});
export type BulkResultView = z.infer<typeof BulkResultView>;

async function select(res: AdminContext, filter: z.output<typeof BulkFilter>): Promise<ConflictRow[]> {
  const rows = await conflictsOldestFirst(res.prisma, filter, BULK_MAX + 1);
  if (rows.length > BULK_MAX)
    throw new AdminOpError(
      'invalid',
      `filter: selects more than ${BULK_MAX} conflicts; narrow it (kind, connection, field)`,
    );
  return rows;
}

/** Whether the rule applies to a conflict, and the value it gives it; a reason when it does not. */
function outcome(row: ConflictRow, rule: z.output<typeof BulkRule>): { value: unknown } | { reason: string } {
  if (rule.action === 'dismiss') return { value: null };
  if (row.kind !== 'field')
    return rule.action === 'keep' && row.status !== 'open'
      ? { value: row.chosen }
      : { reason: `a ${row.kind} entry is decided one by one (link, create-new) or dismissed` };
  try {
    return { value: fieldResolution(row, rule).value };
  } catch (e) {
    if (e instanceof AdminOpError) return { reason: e.message };
    throw e;
  }
}

/** What one rule would do to every conflict a filter selects: the count, what it skips and why, a sample. */
export async function previewBulkResolve(res: AdminContext, input: BulkRequest): Promise<BulkPreviewView> {
  const q = parseInput(BulkRequest, input);
  const rows = await select(res, q.filter);
  const out: BulkPreviewView = { count: rows.length, applicable: 0, skipped: [], sample: [] };
  for (const row of rows) {
    const o = outcome(row, q.decision);
    if ('reason' in o) {
      out.skipped.push({ id: row.id, reason: o.reason });
      continue;
    }
    out.applicable++;
    if (out.sample.length < SAMPLE)
      out.sample.push({
        id: row.id,
        kind: row.kind,
        canonicalId: row.canonicalId,
        field: row.field,
        chosen: row.chosen,
        value: o.value,
      });
  }
  return out;
}

/**
 * Resolves every conflict a filter selects with one rule, each as its own decision through the
 * normal write path (`resolveConflict`: re-plan, one transaction, enqueue after commit). With
 * `expect` (the preview's count) nothing is decided if the filter now selects another number.
 * A conflict the rule does not apply to, or that cannot be decided now, is skipped with the reason.
 */
export async function bulkResolve(res: AdminContext, input: BulkRequest, by?: string | null): Promise<BulkResultView> {
  const q = parseInput(BulkRequest, input);
  const rows = await select(res, q.filter);
  if (q.expect !== undefined && q.expect !== rows.length)
    throw new AdminOpError(
      'conflict',
      `the filter now selects ${rows.length} conflicts, not ${q.expect} as previewed: preview again`,
    );
  const out: BulkResultView = { count: rows.length, resolved: 0, opsEnqueued: 0, skipped: [] };
  const who = by ?? 'bulk';
  for (const row of rows) {
    const o = outcome(row, q.decision);
    if ('reason' in o) {
      out.skipped.push({ id: row.id, reason: o.reason });
      continue;
    }
    try {
      const r = await resolveConflict(res, row.id, q.decision, `${who} (bulk)`);
      out.resolved++;
      out.opsEnqueued += r.opsEnqueued;
    } catch (e) {
      if (!(e instanceof AdminOpError)) throw e;
      out.skipped.push({ id: row.id, reason: e.message });
    }
  }
  return out;
}

export const ConflictCountsQuery = z.strictObject({ status: z.string().min(1).default('open') });
export const ConflictCountsView = z.object({
  status: z.string(),
  total: z.number(),
  byKind: z.record(z.string(), z.number()),
  byField: z.record(z.string(), z.number()),
  byConnection: z.record(z.string(), z.number()),
});
export type ConflictCountsView = z.infer<typeof ConflictCountsView>;

/** Counts of the report per kind, field and (first-side) connection: the review page's navigation. */
export async function conflictCounts(
  res: AdminContext,
  query: z.input<typeof ConflictCountsQuery> = {},
): Promise<ConflictCountsView> {
  const q = parseInput(ConflictCountsQuery, query);
  const [byKind, byField, byConnection] = await Promise.all([
    conflictCountsBy(res.prisma, 'kind', q.status),
    conflictCountsBy(res.prisma, 'field', q.status),
    conflictCountsBy(res.prisma, 'connectionId', q.status),
  ]);
  return {
    status: q.status,
    total: Object.values(byKind).reduce((a, b) => a + b, 0),
    byKind,
    byField,
    byConnection,
  };
}
