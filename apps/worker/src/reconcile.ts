import {
  bumpRun,
  committedMaxSeq,
  getOps,
  lockCanonicals,
  lockReconcileWrites,
  readChangedSince,
  readCursor,
  recheckReady,
  type SnapshotRow,
  writeCursor,
  writeReconcileBatch,
} from '@contact-sync/store';
import { policiesContext } from './policies.ts';
import { planBatch, type RunOf } from './reconcile-batch.ts';
import { enqueueOps, type Resources } from './resources.ts';

export interface ReconcileResult {
  rows: number;
  canonicals: number;
  ops: number;
  conflicts: number;
}

/**
 * Consumes snapshot changes since the cursor, batch by batch: each batch's canonical
 * changes, links, conflicts, outbox ops and the cursor move commit together, and the ops
 * are enqueued after commit (the outbox rows are the truth; enqueueing is idempotent).
 * Then revisits people whose planning waited behind unfinished ops.
 */
export async function runReconcile(res: Resources, upToSeq: bigint): Promise<ReconcileResult> {
  const total: ReconcileResult = { rows: 0, canonicals: 0, ops: 0, conflicts: 0 };
  const batchSize = res.config.reconcile.batchSize;
  if (upToSeq > 0n && (await readCursor(res.prisma)) >= upToSeq && (await recheckReady(res.prisma, 1)).length === 0)
    return total;
  const runParents = new Map<string, string | null>();

  for (;;) {
    const bound = await committedMaxSeq(res.prisma);
    const cursor = await readCursor(res.prisma);
    const rows = await readChangedSince(res.prisma, cursor, bound, batchSize);
    if (rows.length === 0) {
      // Sequence numbers are taken by upserts that end up changing nothing, so the last
      // changed row can sit below the bound: every writer up to it has committed, move on.
      if (bound > cursor) await writeCursor(res.prisma, bound);
      break;
    }
    await resolveParents(res, rows, runParents);
    await applyBatch(
      res,
      rows,
      [],
      (r) => (r?.lastSeenRunId ? (runParents.get(r.lastSeenRunId) ?? r.lastSeenRunId) : null),
      rows.at(-1)!.changeSeq,
      total,
    );
    total.rows += rows.length;
  }
  for (;;) {
    const ids = await recheckReady(res.prisma, batchSize);
    if (ids.length === 0) break;
    await applyBatch(res, [], ids, () => null, null, total);
  }
  if (total.rows > 0 || total.ops > 0) res.logger.info(total, 'reconcile done');
  return total;
}

async function applyBatch(
  res: Resources,
  rows: SnapshotRow[],
  recheckIds: string[],
  runOf: RunOf,
  cursor: bigint | null,
  total: ReconcileResult,
): Promise<void> {
  const ctx = policiesContext(res.config, res.now());
  const { opIds, stats } = await res.prisma.$transaction(
    async (tx) => {
      await lockReconcileWrites(tx);
      const plan = await planBatch(tx, ctx, rows, recheckIds, runOf);
      await lockCanonicals(
        tx,
        plan.write.canonicals.map((c) => c.id),
      );
      const written = await writeReconcileBatch(tx, plan.write);
      if (cursor !== null) await writeCursor(tx, cursor);
      const runCounts = new Map<string, { opsPlanned: number; conflicts: number }>();
      for (const op of plan.write.ops) if (op.runId) bump(runCounts, op.runId).opsPlanned++;
      for (const c of plan.write.conflicts) if (c.runId && c.status === 'open') bump(runCounts, c.runId).conflicts++;
      for (const [runId, counts] of runCounts) await bumpRun(tx, runId, counts);
      return { opIds: written.opIds, stats: plan.stats };
    },
    { timeout: 300_000, maxWait: 60_000 },
  );
  total.canonicals += stats.canonicals;
  total.ops += opIds.length;
  total.conflicts += stats.conflicts;
  if (opIds.length > 0) await enqueueOps(res, await getOps(res.prisma, opIds));
}

const bump = (m: Map<string, { opsPlanned: number; conflicts: number }>, id: string) => {
  const v = m.get(id) ?? { opsPlanned: 0, conflicts: 0 };
  m.set(id, v);
  return v;
};

/** Ops and conflicts count under the admin resync that started a pull, when there is one. */
async function resolveParents(res: Resources, rows: SnapshotRow[], cache: Map<string, string | null>): Promise<void> {
  const missing = [...new Set(rows.map((r) => r.lastSeenRunId).filter((id): id is string => !!id && !cache.has(id)))];
  if (missing.length === 0) return;
  const runs = await res.prisma.syncRun.findMany({
    where: { id: { in: missing } },
    select: { id: true, parentRunId: true },
  });
  for (const r of runs) cache.set(r.id, r.parentRunId);
}
