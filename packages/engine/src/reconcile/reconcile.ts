import {
  analyzeSyncTables,
  anyRecheckDue,
  type BatchPeople,
  bumpRun,
  clearRecheckDue,
  closeFinishedResyncs,
  committedMaxSeq,
  lockCanonicals,
  markResyncsReconciled,
  openReconcileBatch,
  parentRunsOf,
  type ReconcileWrite,
  readChangesAfterCursor,
  readCursor,
  recheckDue,
  resyncsReconciling,
  type SnapshotRow,
  syncTablesGrew,
  withSqlTransaction,
  writeCursor,
  writeReconcileBatch,
} from '@contact-sync/store';
import { policiesContext } from '../policies.ts';
import { enqueueOps, type Resources } from '../resources.ts';
import { peopleReadAhead, type ReadAhead, readAhead } from './read-ahead.ts';
import { planBatch, type RunOf } from './reconcile-batch.ts';
import { applyUpdateHold, newPassCounts, type PassCounts, planUpdateHold } from './update-guard.ts';

export interface ReconcileResult {
  rows: number;
  canonicals: number;
  ops: number;
  conflicts: number;
  /** Rows the pass wrote: canonical records, links and ops (a pass over converged data writes none). */
  written: number;
  /** Batches planned from people read while the batch before was planned (see `read-ahead.ts`). */
  readAhead: number;
}

/** The people of a pass's first revisit batch (see the revisits in `runReconcile`). */
export const FIRST_REVISIT_BATCH = 250;

/**
 * Consumes snapshot changes since the cursor, batch by batch: each batch's canonical
 * changes, links, conflicts, outbox ops and the cursor move commit together, and the ops
 * are enqueued after commit (the outbox rows are the truth; enqueueing is idempotent).
 * Then revisits people whose planning waited behind unfinished ops.
 *
 * Resyncs whose pulls had all ended before it started are reconciled by this pass: they move
 * on to their push phase, and those with nothing left to push are closed.
 */
export async function runReconcile(res: Resources, upToSeq: bigint): Promise<ReconcileResult> {
  const total: ReconcileResult = { rows: 0, canonicals: 0, ops: 0, conflicts: 0, written: 0, readAhead: 0 };
  const batchSize = res.config.reconcile.batchSize;
  // Read before the bound: every change of these resyncs' pulls is committed and below it.
  const resyncs = await resyncsReconciling(res.prisma);
  if (
    resyncs.length === 0 &&
    upToSeq > 0n &&
    (await readCursor(res.prisma)) >= upToSeq &&
    !(await anyRecheckDue(res.prisma))
  ) {
    await closeFinishedResyncs(res.prisma);
    return total;
  }
  const runParents = new Map<string, string | null>();
  const stats = new StatsRefresh(res);
  const pass: PassCounts = newPassCounts();

  // The bound is read again only once the pass has consumed everything below it (each read takes
  // the change sequence's lock exclusively, which queues every pull's page write behind it), and
  // the pass ends when a bound read since its last batch has nothing above the cursor, as when it
  // read one per batch: no-op upserts that only take numbers do not keep it going.
  let bound = await committedMaxSeq(res.prisma);
  let fresh = true;
  // A person's records arrive in change order, often in different batches: a batch plans the
  // person from every linked record as it reads them (their rows' change numbers are kept
  // here), so a later row of the pass with one of those numbers — the very version planned,
  // committed before this bound was read — would plan the same person from the same data again,
  // to no effect. It is passed over (the cursor still moves past it). A row changed since has a
  // new number and is planned. Cleared with each new bound: every number kept is below it.
  const covered = new Set<number>();
  // While batches find nothing to write (a resync of unchanged data, a pass over the snapshot again),
  // the next batch is read while one is planned (see `readAhead`).
  const ahead: { read: Promise<ReadAhead | null> | null } = { read: null };
  let quiet = true;
  for (;;) {
    // A read ahead of a batch that then wrote is not used (it read people as they were before).
    const early = ahead.read ? await ahead.read : null;
    ahead.read = null;
    const { cursor, rows } = early && quiet ? early.changes : await readChangesAfterCursor(res.sql, bound, batchSize);
    if (rows.length === 0) {
      // Sequence numbers are taken by upserts that end up changing nothing, so the last
      // changed row can sit below the bound: every writer up to it has committed, move on.
      if (bound > cursor) await writeCursor(res.sql, bound);
      if (fresh) break;
      bound = await committedMaxSeq(res.prisma);
      covered.clear();
      fresh = true;
      continue;
    }
    fresh = false;
    const todo = rows.filter((r) => !covered.delete(Number(r.changeSeq)));
    total.rows += rows.length;
    if (todo.length === 0) {
      await writeCursor(res.sql, rows.at(-1)!.changeSeq); // nothing to plan: the cursor moves on
      continue;
    }
    await resolveParents(res, todo, runParents);
    const last = rows.at(-1)!.changeSeq;
    const wrote = await applyBatch(
      res,
      todo,
      [],
      (r) => (r?.lastSeenRunId ? (runParents.get(r.lastSeenRunId) ?? r.lastSeenRunId) : null),
      last,
      total,
      pass,
      [],
      covered,
      {
        early: early && quiet ? early : undefined,
        // Only after a batch that wrote nothing: after one that wrote, the next is likely to write
        // too, and each read ahead would be thrown away.
        ahead: quiet
          ? (writeSeq, people) => {
              ahead.read = readAhead(res, { upTo: bound, after: last, limit: batchSize, writeSeq, covered, people });
            }
          : undefined,
      },
    );
    quiet = !wrote;
    await stats.grew(total);
  }
  // Revisits: only people marked due (just flagged, or an op of theirs just ended) are looked at.
  // The first batches are small and each is twice the last (up to the batch size): the revisits
  // are where an initial sync's ops are planned, and no push starts before the first of them
  // commits, so a small one starts the pushes early and the rest are planned while they go on.
  for (let size = Math.min(batchSize, FIRST_REVISIT_BATCH); ; size = Math.min(batchSize, size * 2)) {
    const due = await recheckDue(res.sql, size);
    if (due.markerIds.length === 0) break;
    if (due.ready.length === 0) {
      await clearRecheckDue(res.sql, due.markerIds);
      continue;
    }
    // One batch per run the revisits count under; the markers go with the last one (a crash in
    // between leaves them, and the people already revisited are no longer flagged, or due again).
    const byRun = new Map<string | null, string[]>();
    for (const r of due.ready) {
      const ids = byRun.get(r.runId);
      if (ids) ids.push(r.canonicalId);
      else byRun.set(r.runId, [r.canonicalId]);
    }
    const groups = [...byRun];
    for (const [i, [runId, ids]] of groups.entries())
      await applyBatch(res, [], ids, () => runId, null, total, pass, i === groups.length - 1 ? due.markerIds : []);
    await stats.grew(total);
  }
  await markResyncsReconciled(res.prisma, resyncs);
  const closed = await closeFinishedResyncs(res.prisma);
  if (total.rows > 0 || total.ops > 0 || resyncs.length > 0 || closed.length > 0)
    res.logger.info({ ...total, resyncsReconciled: resyncs.length, resyncsClosed: closed.length }, 'reconcile done');
  return total;
}

async function applyBatch(
  res: Resources,
  rows: SnapshotRow[],
  recheckIds: string[],
  runOf: RunOf,
  cursor: bigint | null,
  total: ReconcileResult,
  /** The update guard's counts for the pass so far. */
  pass: PassCounts,
  /** Revisit markers examined for this batch: deleted with its writes. */
  dueMarkers: bigint[] = [],
  /** Where the pass keeps the change numbers of rows its batches planned from (see `runReconcile`). */
  covered?: Set<number>,
  readAhead: {
    /** This batch as read ahead: its people are used if no reconcile write came since. */
    early?: ReadAhead | undefined;
    /** Told, while this batch holds the reconcile lock, the write number then and the batch's people once read. */
    ahead?: ((writeSeq: bigint, people: Promise<BatchPeople | null>) => void) | undefined;
  } = {},
): Promise<boolean> {
  const ctx = policiesContext(res.config, res.now());
  const { ops, stats, planned, rowsWritten, counted, early } = await withSqlTransaction(
    res.prisma,
    async (tx) => {
      const writeSeq = await openReconcileBatch(tx);
      const early = readAhead.early && peopleReadAhead(readAhead.early, writeSeq, rows);
      let peopleRead: ((p: BatchPeople | null) => void) | undefined;
      if (readAhead.ahead) {
        const people = new Promise<BatchPeople | null>((resolve) => {
          peopleRead = resolve;
        });
        readAhead.ahead(writeSeq, people);
      }
      const plan = await planBatch(tx, ctx, rows, recheckIds, runOf, { people: early, peopleRead }).finally(() =>
        peopleRead?.(null),
      );
      attributeRechecks(plan.write, rows, runOf);
      await lockCanonicals(
        tx,
        plan.write.canonicals.map((c) => c.id),
      );
      const hold = await planUpdateHold(tx, res.config, plan.write, pass);
      const written = await writeReconcileBatch(tx, plan.write);
      const toEnqueue = await applyUpdateHold(tx, hold, plan.write, written.ops, plan.write.ops[0]?.runId ?? null);
      if (cursor !== null) await writeCursor(tx, cursor);
      await clearRecheckDue(tx, dueMarkers);
      const runCounts = new Map<string, { opsPlanned: number; conflicts: number }>();
      for (const op of plan.write.ops) if (op.runId) bump(runCounts, op.runId).opsPlanned++;
      for (const c of plan.write.conflicts) if (c.runId && c.status === 'open') bump(runCounts, c.runId).conflicts++;
      for (const [runId, counts] of runCounts) await bumpRun(tx, runId, counts);
      const rowsWritten = plan.write.canonicals.length + plan.write.links.length + plan.write.ops.length;
      return {
        ops: toEnqueue,
        stats: plan.stats,
        planned: plan.covered,
        rowsWritten,
        counted: written.counted,
        early: early !== undefined,
      };
    },
    { timeout: 300_000, maxWait: 60_000 },
  );
  if (covered) for (const seq of planned) covered.add(seq);
  total.canonicals += stats.canonicals;
  total.written += rowsWritten;
  if (early) total.readAhead++;
  total.ops += ops.length;
  total.conflicts += stats.conflicts;
  if (ops.length > 0) await enqueueOps(res, ops);
  return counted;
}

/**
 * Analyzes the sync tables each time a pass has written as much again (2,000 canonical records,
 * links and ops, then 4,000, 8,000, ...): a few times in an initial sync, never in a small
 * incremental pass (autovacuum keeps those statistics), nor in a pass that reads much and writes
 * little (a full resync of unchanged data: rows read are not counted); skipped when no table grew
 * since its last statistics. Each ANALYZE costs ~0.25 s at 10,000 people. A failure (e.g. a role
 * that may not analyze) is logged.
 */
export class StatsRefresh {
  private next = 2_000;
  private readonly res: Resources;
  constructor(res: Resources) {
    this.res = res;
  }
  async grew(total: ReconcileResult): Promise<void> {
    const { written } = total;
    if (written < this.next) return;
    this.next = written * 2;
    const t0 = performance.now();
    try {
      if (!(await syncTablesGrew(this.res.prisma))) return;
      await analyzeSyncTables(this.res.prisma);
      this.res.logger.debug({ written, ms: Math.round(performance.now() - t0) }, 'sync tables analyzed');
    } catch (err) {
      this.res.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not analyze the sync tables',
      );
    }
  }
}

/**
 * A person flagged for a revisit in a batch of pulled rows counts the revisit's ops and
 * conflicts under the run of a row of theirs in the batch (the links written say which).
 */
function attributeRechecks(write: ReconcileWrite, rows: SnapshotRow[], runOf: RunOf): void {
  if (rows.length === 0 || !write.recheck.some((r) => r.value && r.runId === undefined)) return;
  const rowOf = new Map(rows.map((r) => [`${r.connectionId}\u0000${r.externalId}`, r]));
  const runOfCanonical = new Map<string, string | null>();
  for (const l of write.links) {
    if (runOfCanonical.get(l.canonicalId)) continue;
    const row = rowOf.get(`${l.connectionId}\u0000${l.externalId}`);
    if (row) runOfCanonical.set(l.canonicalId, runOf(row));
  }
  for (const r of write.recheck)
    if (r.value && r.runId === undefined) r.runId = runOfCanonical.get(r.canonicalId) ?? null;
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
  for (const [id, parent] of await parentRunsOf(res.prisma, missing)) cache.set(id, parent);
}
