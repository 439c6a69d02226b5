import type { LedgerCause, ReconcileContext, ReconcileInput } from '@contact-sync/core';
import { policiesContext } from '@contact-sync/engine/policies';
import { planBatch } from '@contact-sync/engine/reconcile/reconcile-batch';
import { enqueueOps } from '@contact-sync/engine/resources';
import {
  type Db,
  getOps,
  lockCanonicals,
  lockReconcileWrites,
  type SnapshotRow,
  takeSeqWriteLock,
  withTransaction,
  writeReconcileBatch,
} from '@contact-sync/store';
import type { AdminContext } from '../context.ts';

/** What an admin decision's transaction hands to the shared write path. */
export interface DecisionTx {
  tx: Db;
  ctx: ReconcileContext;
  /** Re-plans people exactly as a reconcile batch would and writes the result; returns the new op ids. */
  replan(opts: {
    rows?: SnapshotRow[];
    canonicalIds?: string[];
    ctx?: ReconcileContext;
    adjust?: (input: ReconcileInput) => ReconcileInput;
    /** The ledger's cause of the changes (default: the decision's, see `decide`). */
    cause?: LedgerCause;
    /** The run the ops and ledger rows count under (an undo's). */
    runId?: string | null;
  }): Promise<string[]>;
  /** Outbox rows this decision made pending by itself: enqueued after commit with the others. */
  release(opIds: string[]): void;
}

/**
 * The write path of an admin decision, the same as a reconcile batch's: under the reconcile
 * lock (so no batch plans from a state the decision changes), the core plans the people
 * concerned, canonical changes, links, conflicts and outbox ops commit together, and the ops
 * are enqueued after commit. `seqWrite` for decisions that mark snapshots gone (they take
 * change numbers). Returns the callback's value and how many ops were enqueued.
 */
export async function decide<T>(
  res: AdminContext,
  fn: (d: DecisionTx) => Promise<T>,
  opts: { seqWrite?: boolean; cause?: LedgerCause } = {},
): Promise<{ value: T; opsEnqueued: number }> {
  const opIds: string[] = [];
  // Every canonical change of an admin decision is the admin's in the ledger.
  const decision: LedgerCause = opts.cause ?? { kind: 'admin', by: null, action: 'decision' };
  const body = async (tx: Db) => {
    await lockReconcileWrites(tx);
    const ctx = policiesContext(res.config, res.now());
    return fn({
      tx,
      ctx,
      replan: async ({ rows = [], canonicalIds = [], ctx: own, adjust, cause, runId = null }) => {
        const plan = await planBatch(tx, own ?? ctx, rows, canonicalIds, () => runId, {
          adjust,
          cause: cause ?? decision,
        });
        await lockCanonicals(
          tx,
          plan.write.canonicals.map((c) => c.id),
        );
        const written = await writeReconcileBatch(tx, plan.write);
        opIds.push(...written.opIds);
        return written.opIds;
      },
      release: (ids) => {
        opIds.push(...ids);
      },
    });
  };
  const value = opts.seqWrite
    ? await withTransaction(
        res.prisma,
        async (tx) => {
          await takeSeqWriteLock(tx);
          return body(tx);
        },
        { timeout: 120_000, maxWait: 30_000 },
      )
    : await withTransaction(res.prisma, body, { timeout: 120_000, maxWait: 30_000 });
  if (opIds.length > 0) await enqueueOps(res, await getOps(res.prisma, opIds));
  return { value, opsEnqueued: opIds.length };
}
