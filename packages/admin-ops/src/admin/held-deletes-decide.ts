import type { ReconcileContext } from '@contact-sync/core';
import {
  closeHolds,
  type HeldDeleteRow,
  heldDeleteBatch,
  heldDeleteStatuses,
  lockStillHeld,
  markGone,
  readSnapshots,
  unlinkRecords,
} from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { parseInput } from './page.ts';
import { isUuid } from './runs.ts';
import { AdminOpError, HeldDeleteSelection } from './views.ts';
import { type DecisionTx, decide } from './write.ts';

const CHUNK = 200;

type Held = HeldDeleteRow;

/**
 * Confirms or rejects deletes the mass-delete guard held (they sit in `held_deletes`; their
 * snapshot rows were left as they were, so nothing downstream saw them).
 *
 * - confirm: the records are marked gone, and the people they belong to are re-planned at
 *   once, as the reconciler would: each a real delete under its connection's delete policy
 *   (propagate / unlink / ignore).
 * - reject: the records are still wanted. They are gone at the provider, so the link to the
 *   vanished record is dropped (its snapshot marked gone, so it can never trip the guard
 *   again) and the person is re-created there — whatever the connection's create policy,
 *   since the admin asked for it back (not where the connection is pull-only, the provider
 *   cannot create, or the person was detached there).
 *
 * A held record that a later pull saw again is left alone (it exists): its hold is closed as
 * rejected. Ops are written and enqueued through the normal reconcile write path.
 */
export async function decideHeldDeletes(
  res: AdminContext,
  selection: HeldDeleteSelection,
): Promise<{ decided: number; opsEnqueued: number }> {
  const sel = parseInput(HeldDeleteSelection, selection);
  if (sel.connectionId && !res.connections.has(sel.connectionId))
    throw new AdminOpError('not_found', `connectionId: unknown connection "${sel.connectionId}"`);
  if (sel.ids) await checkIds(res, sel.ids);
  const which = {
    ...(sel.ids ? { ids: sel.ids.filter(isUuid) } : {}),
    ...(sel.connectionId ? { connectionId: sel.connectionId } : {}),
  };
  let decided = 0;
  let opsEnqueued = 0;
  for (;;) {
    const batch = await heldDeleteBatch(res.prisma, which, CHUNK);
    if (batch.length === 0) break;
    // One connection per transaction: a rejection re-plans under that connection's forced create.
    const connectionId = batch[0]!.connectionId;
    const chunk = batch.filter((h) => h.connectionId === connectionId);
    const r = await decide(res, (d) => decideChunk(d, chunk, sel.decision, connectionId), {
      seqWrite: true,
      cause: { kind: 'admin', by: null, action: `held delete ${sel.decision}` },
    });
    decided += r.value;
    opsEnqueued += r.opsEnqueued;
  }
  return { decided, opsEnqueued };
}

async function checkIds(res: AdminContext, ids: string[]): Promise<void> {
  const byId = await heldDeleteStatuses(res.prisma, ids.filter(isUuid));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0)
    throw new AdminOpError('not_found', `ids: no held delete ${missing.map((m) => `"${m}"`).join(', ')}`);
  const decidedAlready = ids.filter((id) => byId.get(id) !== 'held');
  if (decidedAlready.length > 0)
    throw new AdminOpError('conflict', `ids: already decided: ${decidedAlready.map((m) => `"${m}"`).join(', ')}`);
}

async function decideChunk(
  d: DecisionTx,
  candidates: Held[],
  decision: 'confirm' | 'reject',
  connectionId: string,
): Promise<number> {
  // Under the lock, only what is still held (another admin may have decided meanwhile).
  const held = await lockStillHeld(
    d.tx,
    candidates.map((c) => c.id),
  );
  if (held.length === 0) return 0;
  const snaps = await readSnapshots(d.tx, held);
  const snapOf = new Map(snaps.map((s) => [s.externalId, s]));
  const back = held.filter((h) => {
    const s = snapOf.get(h.externalId);
    return s && !s.goneAt && s.lastSeenAt > h.createdAt;
  });
  const act = held.filter((h) => !back.includes(h));
  const ids = act.map((h) => h.externalId);

  if (decision === 'confirm') {
    await markGone(d.tx, connectionId, ids);
    const rows = (await readSnapshots(d.tx, act)).filter((s) => s.goneAt);
    if (rows.length > 0) await d.replan({ rows });
  } else {
    await markGone(d.tx, connectionId, ids);
    const links = await unlinkRecords(d.tx, connectionId, ids);
    if (links.length > 0)
      await d.replan({
        canonicalIds: [...new Set(links.map((l) => l.canonicalId))],
        ctx: forceCreate(d.ctx, connectionId),
      });
  }
  await closeHolds(d.tx, act, decision === 'confirm' ? 'confirmed' : 'rejected');
  await closeHolds(d.tx, back, 'rejected');
  return held.length;
}

const forceCreate = (ctx: ReconcileContext, connectionId: string): ReconcileContext => ({
  ...ctx,
  connections: ctx.connections.map((c) => (c.id === connectionId ? { ...c, createPolicy: 'create' } : c)),
});
