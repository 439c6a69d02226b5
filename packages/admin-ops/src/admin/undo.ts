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
import { policiesContext } from '@contact-sync/engine/policies';
import { planBatch } from '@contact-sync/engine/reconcile/reconcile-batch';
import {
  addConflicts,
  cellsChangedAfter,
  childRuns,
  createUndoRun,
  type Db,
  decisionStatuses,
  findRun,
  type LedgerEntry,
  ledgerOfDecision,
  ledgerOfRun,
  personRows,
  setRunTotals,
  toJson,
  withTransaction,
  writesOfRun,
} from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
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
  /** The run undone (null: a decision was). */
  runId: string | null;
  /** The decision undone (a conflict's or held change set's id; null: a run was). */
  decisionId: string | null;
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
  res: AdminContext,
  runId: string,
  opts: { dryRun?: boolean; by?: string | null } = {},
): Promise<UndoResult> {
  if (!isUuid(runId)) throw new AdminOpError('invalid', `run: "${runId}" is not a run id`);
  const run = await findRun(res.prisma, runId);
  if (!run) throw new AdminOpError('not_found', `run ${runId} not found`);
  const children = await childRuns(res.prisma, runId);
  const entries: LedgerEntry[] = [];
  for (const id of [runId, ...children.map((c) => c.id)]) entries.push(...(await ledgerOfRun(res.prisma, id)));
  entries.sort((a, b) => (a.id < b.id ? -1 : 1));
  return undoEntries(res, entries, {
    subject: { runId, decisionId: null },
    cause: { kind: 'undo', runId, by: opts.by ?? null },
    except: { runId, ids: [] },
    dryRun: opts.dryRun === true,
  });
}

/**
 * Undoes one admin decision (`cause.decision` in the ledger: a conflict's id, a held change set's)
 * exactly as a run is undone: each cell it changed goes back unless changed since, else a conflict.
 * A matching decision (link, create-new) changed who is who, not only values: reverting its cells
 * would write emptied fields to the records it linked or created, so it is refused.
 */
export async function undoDecision(
  res: AdminContext,
  decisionId: string,
  opts: { dryRun?: boolean; by?: string | null } = {},
): Promise<UndoResult> {
  if (!isUuid(decisionId)) throw new AdminOpError('invalid', `decision: "${decisionId}" is not a decision id`);
  const entries = await ledgerOfDecision(res.prisma, decisionId);
  if (entries.length === 0) {
    const [conflict, set] = await decisionStatuses(res.prisma, decisionId);
    if (!conflict && !set) throw new AdminOpError('not_found', `decision ${decisionId} not found`);
    // Decided but nothing changed (a dismissal, a kept value): nothing to undo. Not decided: say so.
    const status = conflict?.status ?? set?.status ?? '';
    if (!['resolved', 'dismissed', 'confirmed', 'rejected'].includes(status))
      throw new AdminOpError('conflict', `decision ${decisionId}: no admin has decided it (it is ${status})`);
  }
  const matching = entries.find((e) => /^(link|create-new)\b/.test(String((e.cause as { action?: unknown }).action)));
  if (matching)
    throw new AdminOpError(
      'conflict',
      `decision ${decisionId} was a ${String((matching.cause as { action: string }).action).split(' ')[0]}: it decided who ` +
        `is who, not a value; undo refuses it (reverting its fields would empty records it linked or created)`,
    );
  return undoEntries(res, entries, {
    subject: { runId: null, decisionId },
    cause: { kind: 'undo', runId: null, decision: decisionId, by: opts.by ?? null },
    except: { runId: null, ids: entries.map((e) => e.id) },
    dryRun: opts.dryRun === true,
  });
}

interface UndoOf {
  subject: { runId: string | null; decisionId: string | null };
  cause: LedgerCause;
  /** The rows being undone: a later change of theirs is not "changed since". */
  except: { runId: string | null; ids: bigint[] };
  dryRun: boolean;
}

/** The ledger rows of a run or decision (oldest first) put back, cell by cell. */
async function undoEntries(res: AdminContext, entries: LedgerEntry[], u: UndoOf): Promise<UndoResult> {
  const byPerson = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const list = byPerson.get(e.canonicalId);
    if (list) list.push(e);
    else byPerson.set(e.canonicalId, [e]);
  }
  const result: UndoResult = {
    ...u.subject,
    dryRun: u.dryRun,
    undoRunId: null,
    people: [],
    writes: [],
    conflictsOpened: 0,
    opsEnqueued: 0,
  };
  if (byPerson.size === 0) return result;
  const first = entries[0]!.id;
  if (!u.dryRun) {
    result.undoRunId = await createUndoRun(res.prisma, res.now());
  }
  const { cause } = u;
  const what = u.subject.runId ? `run ${u.subject.runId}` : `decision ${u.subject.decisionId}`;
  const ids = [...byPerson.keys()];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const chunkRun = async (tx: Db) => {
      const [canons, since] = await Promise.all([
        personRows(tx, chunk),
        cellsChangedAfter(tx, chunk, first, u.except.runId, u.except.ids),
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
        const p = planUndo(cells, c.data, changed.get(c.id) ?? new Set());
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

    if (u.dryRun) {
      // Planned in a transaction that is rolled back: exactly what the undo would write.
      await withTransaction(res.prisma, async (tx) => {
        const plans = await chunkRun(tx);
        const reverts = revertsOf(plans);
        const ctx = policiesContext(res.config, res.now());
        const toPlan = plans.filter((p) => p.reverts.length > 0).map((p) => p.canonicalId);
        const plan = await planBatch(tx, ctx, [], toPlan, () => null, { adjust: adjustWith(reverts), cause });
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
      }).catch((e) => {
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
        const conflicts = plans.flatMap((p) => p.conflicts.map((c) => undoConflict(what, result.undoRunId, p, c)));
        if (conflicts.length > 0) await addConflicts(d.tx, conflicts);
        return { plans, conflicts: conflicts.length };
      },
      { cause },
    );
    result.people.push(...r.value.plans);
    result.conflictsOpened += r.value.conflicts;
    result.opsEnqueued += r.opsEnqueued;
  }
  if (!u.dryRun && result.undoRunId) {
    const ops = await writesOfRun(res.prisma, result.undoRunId);
    result.writes = ops;
    await setRunTotals(res.prisma, result.undoRunId, {
      opsPlanned: ops.length,
      conflicts: result.conflictsOpened,
      changed: result.people.length,
    });
  }
  return result;
}

const cellOf = (e: LedgerEntry): RunCellChange => ({
  field: e.field as FieldKey,
  key: e.key,
  old: e.old,
  new: e.new,
});

const show = (v: LedgerValue): string =>
  v === null ? 'nothing' : typeof v === 'string' ? `"${v}"` : `"${v.value}"${v.label ? ` (${v.label})` : ''}`;

/** A cell changed since the run (or decision): an open field conflict, the value before it one pick away. */
function undoConflict(what: string, undoRunId: string | null, p: UndoPersonPlan, c: UndoPersonPlan['conflicts'][0]) {
  const before = what.startsWith('run ') ? 'before-run' : 'before-decision';
  return {
    dedupeKey: sha256(['undo', what, p.canonicalId, c.field, c.key ?? ''].join('\u0000')),
    kind: 'field',
    canonicalId: p.canonicalId,
    connectionId: null,
    field: c.field,
    base: toJson(c.run),
    sides: toJson([
      { connectionId: before, externalId: null, value: c.before, updatedAt: null },
      { connectionId: 'now', externalId: null, value: c.now, updatedAt: null },
    ]),
    chosen: toJson(c.now),
    rule: `undo of ${what}: ${c.field} changed since that ${what.split(' ')[0]} (now ${show(c.now)}); not overwritten — pick "${before}" to restore ${show(c.before)}`,
    status: 'open',
    runId: undoRunId,
  };
}
