import {
  applyResolution,
  cellId,
  type FieldKey,
  type LedgerCause,
  type LedgerValue,
  planUndo,
  type Resolution,
  type RunCellChange,
  runCells,
  sha256,
} from '@contact-sync/core';
import { canonicalsByIds, cellsChangedAfter, type LedgerEntry, ledgerOfRun, toJson } from '@contact-sync/store';
import { policiesContext } from '../policies.ts';
import { planBatch } from '../reconcile/reconcile-batch.ts';
import type { Resources } from '../resources.ts';
import { isUuid } from './runs.ts';
import { AdminOpError } from './views.ts';
import { decide } from './write.ts';

/** People per transaction. */
const CHUNK = 200;

export interface UndoPersonPlan {
  canonicalId: string;
  reverts: Resolution[];
  /** Cells changed since the run: left as they are, a conflict opened for each. */
  conflicts: { field: FieldKey; key: string | null; before: LedgerValue; run: LedgerValue; now: LedgerValue }[];
}

export interface UndoResult {
  runId: string;
  dryRun: boolean;
  /** The undo's own run (its ops and ledger rows count under it; undo it to redo). null on a dry run. */
  undoRunId: string | null;
  people: UndoPersonPlan[];
  /** The writes the undo plans (on a dry run: would plan), per connection and kind. */
  writes: { connectionId: string; kind: string; canonicalId: string; changed: string[] }[];
  conflictsOpened: number;
  opsEnqueued: number;
}

class DryRun extends Error {}

/**
 * Undoes a run through the normal decision write path: for each cell the run changed, the value
 * before the run goes back into the canonical record as a hand resolution would (`applyResolution`,
 * every side rebased so none counts as having changed it) and the core plans the minimal writes
 * to every provider that differs. A cell the ledger shows changed since (or that no longer holds
 * what the run left) is not touched: it becomes an open field conflict. The undo's changes are
 * ledger rows of cause `undo` under a run of its own, so an undo can itself be undone.
 */
export async function undoRun(
  res: Resources,
  runId: string,
  opts: { dryRun?: boolean; by?: string | null } = {},
): Promise<UndoResult> {
  if (!isUuid(runId)) throw new AdminOpError('invalid', `run: "${runId}" is not a run id`);
  const run = await res.prisma.syncRun.findUnique({ where: { id: runId } });
  if (!run) throw new AdminOpError('not_found', `run ${runId} not found`);
  const children = await res.prisma.syncRun.findMany({ where: { parentRunId: runId }, select: { id: true } });
  const entries: LedgerEntry[] = [];
  for (const id of [runId, ...children.map((c) => c.id)]) entries.push(...(await ledgerOfRun(res.prisma, id)));
  entries.sort((a, b) => (a.id < b.id ? -1 : 1));
  const byPerson = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const list = byPerson.get(e.canonicalId);
    if (list) list.push(e);
    else byPerson.set(e.canonicalId, [e]);
  }
  const result: UndoResult = {
    runId,
    dryRun: opts.dryRun === true,
    undoRunId: null,
    people: [],
    writes: [],
    conflictsOpened: 0,
    opsEnqueued: 0,
  };
  if (byPerson.size === 0) return result;
  const first = entries[0]!.id;
  if (!opts.dryRun) {
    const own = await res.prisma.syncRun.create({
      data: { kind: 'undo', status: 'completed', parentRunId: null, error: null, finishedAt: res.now() },
    });
    result.undoRunId = own.id;
  }
  const cause: LedgerCause = { kind: 'undo', runId, by: opts.by ?? null };
  const ids = [...byPerson.keys()];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const chunkRun = async (tx: Parameters<Parameters<typeof decide>[1]>[0]['tx']) => {
      const [canons, since] = await Promise.all([
        canonicalsByIds(tx, chunk),
        cellsChangedAfter(tx, chunk, first, runId),
      ]);
      const changed = new Map<string, Set<string>>();
      for (const c of since) {
        const set = changed.get(c.canonicalId) ?? new Set<string>();
        set.add(cellId(c.field as FieldKey, c.key));
        changed.set(c.canonicalId, set);
      }
      const plans: UndoPersonPlan[] = [];
      for (const c of canons) {
        if (c.deletedAt || c.mergedIntoId) continue;
        const cells = runCells((byPerson.get(c.id) ?? []).map(cellOf));
        const p = planUndo(cells, c.data as never, changed.get(c.id) ?? new Set());
        if (p.reverts.length === 0 && p.conflicts.length === 0) continue;
        plans.push({
          canonicalId: c.id,
          reverts: p.reverts,
          conflicts: p.conflicts.map((x) => ({ field: x.field, key: x.key, before: x.old, run: x.new, now: x.now })),
        });
      }
      return plans;
    };
    const revertsOf = (plans: UndoPersonPlan[]) => new Map(plans.map((p) => [p.canonicalId, p.reverts]));
    const adjustWith = (reverts: Map<string, Resolution[]>) => (input: Parameters<typeof applyResolution>[0]) =>
      (reverts.get(input.canonicalId) ?? []).reduce((acc, r) => applyResolution(acc, r), input);

    if (opts.dryRun) {
      // Planned in a transaction that is rolled back: exactly what the undo would write.
      await res.prisma
        .$transaction(async (tx) => {
          const plans = await chunkRun(tx);
          const reverts = revertsOf(plans);
          const ctx = policiesContext(res.config, res.now());
          const toPlan = plans.filter((p) => p.reverts.length > 0).map((p) => p.canonicalId);
          const plan = await planBatch(tx, ctx, [], toPlan, () => null, adjustWith(reverts), cause);
          result.people.push(...plans);
          for (const o of plan.write.ops)
            result.writes.push({
              connectionId: o.connectionId,
              kind: o.kind,
              canonicalId: o.canonicalId,
              changed: o.changed,
            });
          result.conflictsOpened += plans.reduce((n, p) => n + p.conflicts.length, 0);
          throw new DryRun();
        })
        .catch((e) => {
          if (!(e instanceof DryRun)) throw e;
        });
      continue;
    }
    const r = await decide(
      res,
      async (d) => {
        const plans = await chunkRun(d.tx);
        const toPlan = plans.filter((p) => p.reverts.length > 0).map((p) => p.canonicalId);
        if (toPlan.length > 0)
          await d.replan({
            canonicalIds: toPlan,
            adjust: adjustWith(revertsOf(plans)),
            cause,
            runId: result.undoRunId,
          });
        const conflicts = plans.flatMap((p) => p.conflicts.map((c) => undoConflict(runId, result.undoRunId, p, c)));
        if (conflicts.length > 0) await d.tx.conflict.createMany({ data: conflicts, skipDuplicates: true });
        return { plans, conflicts: conflicts.length };
      },
      { cause },
    );
    result.people.push(...r.value.plans);
    result.conflictsOpened += r.value.conflicts;
    result.opsEnqueued += r.opsEnqueued;
  }
  if (!opts.dryRun && result.undoRunId) {
    const ops = await res.prisma.outboxOp.findMany({
      where: { runId: result.undoRunId },
      select: { connectionId: true, kind: true, canonicalId: true, changed: true },
      orderBy: [{ canonicalId: 'asc' }, { connectionId: 'asc' }],
    });
    result.writes = ops;
    await res.prisma.syncRun.update({
      where: { id: result.undoRunId },
      data: { opsPlanned: ops.length, conflicts: result.conflictsOpened, changed: result.people.length },
    });
  }
  return result;
}

const cellOf = (e: LedgerEntry): RunCellChange => ({
  field: e.field as FieldKey,
  key: e.key,
  old: (e.old ?? null) as LedgerValue,
  new: (e.new ?? null) as LedgerValue,
});

const show = (v: LedgerValue): string =>
  v === null ? 'nothing' : typeof v === 'string' ? `"${v}"` : `"${v.value}"${v.label ? ` (${v.label})` : ''}`;

/** A cell changed since the run: an open field conflict, the value before the run one pick away. */
function undoConflict(runId: string, undoRunId: string | null, p: UndoPersonPlan, c: UndoPersonPlan['conflicts'][0]) {
  return {
    dedupeKey: sha256(['undo', runId, p.canonicalId, c.field, c.key ?? ''].join('\u0000')),
    kind: 'field',
    canonicalId: p.canonicalId,
    connectionId: null,
    field: c.field,
    base: toJson(c.run),
    sides: toJson([
      { connectionId: 'before-run', externalId: null, value: c.before, updatedAt: null },
      { connectionId: 'now', externalId: null, value: c.now, updatedAt: null },
    ]),
    chosen: toJson(c.now),
    rule: `undo of run ${runId}: ${c.field} changed since that run (now ${show(c.now)}); not overwritten — pick "before-run" to restore ${show(c.before)}`,
    status: 'open',
    runId: undoRunId,
  };
}
