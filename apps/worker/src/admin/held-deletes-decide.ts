import type { ReconcileContext } from '@contact-sync/core';
import { markGone, readSnapshots } from '@contact-sync/store';
import type { Resources } from '../resources.ts';
import { parseInput } from './page.ts';
import { isUuid } from './runs.ts';
import { AdminOpError, HeldDeleteSelection } from './views.ts';
import { type DecisionTx, decide } from './write.ts';

const CHUNK = 200;

interface Held {
  id: string;
  connectionId: string;
  externalId: string;
  createdAt: Date;
}

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
  res: Resources,
  selection: HeldDeleteSelection,
): Promise<{ decided: number; opsEnqueued: number }> {
  const sel = parseInput(HeldDeleteSelection, selection);
  if (sel.connectionId && !res.connections.has(sel.connectionId))
    throw new AdminOpError('not_found', `connectionId: unknown connection "${sel.connectionId}"`);
  if (sel.ids) await checkIds(res, sel.ids);
  const where = {
    status: 'held',
    ...(sel.ids ? { id: { in: sel.ids.filter(isUuid) } } : {}),
    ...(sel.connectionId ? { connectionId: sel.connectionId } : {}),
  };
  let decided = 0;
  let opsEnqueued = 0;
  for (;;) {
    const batch = await res.prisma.heldDelete.findMany({ where, orderBy: { id: 'asc' }, take: CHUNK });
    if (batch.length === 0) break;
    // One connection per transaction: a rejection re-plans under that connection's forced create.
    const connectionId = batch[0]!.connectionId;
    const chunk = batch.filter((h) => h.connectionId === connectionId);
    const r = await decide(res, (d) => decideChunk(d, chunk, sel.decision, connectionId, res.now()), {
      seqWrite: true,
      cause: { kind: 'admin', by: null, action: `held delete ${sel.decision}` },
    });
    decided += r.value;
    opsEnqueued += r.opsEnqueued;
  }
  return { decided, opsEnqueued };
}

async function checkIds(res: Resources, ids: string[]): Promise<void> {
  const rows = await res.prisma.heldDelete.findMany({
    where: { id: { in: ids.filter(isUuid) } },
    select: { id: true, status: true },
  });
  const byId = new Map(rows.map((r) => [r.id, r.status]));
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
  now: Date,
): Promise<number> {
  // Under the lock, only what is still held (another admin may have decided meanwhile).
  const held = await d.tx.$queryRaw<Held[]>`
    SELECT id, "connectionId", "externalId", "createdAt" FROM held_deletes
    WHERE id = ANY(${candidates.map((c) => c.id)}::uuid[]) AND status = 'held' FOR UPDATE`;
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
    const links = await d.tx.link.findMany({ where: { connectionId, externalId: { in: ids } } });
    await markGone(d.tx, connectionId, ids);
    await d.tx.link.deleteMany({ where: { connectionId, externalId: { in: ids } } });
    if (links.length > 0)
      await d.replan({
        canonicalIds: [...new Set(links.map((l) => l.canonicalId))],
        ctx: forceCreate(d.ctx, connectionId),
      });
  }
  await close(d, act, decision === 'confirm' ? 'confirmed' : 'rejected', now);
  await close(d, back, 'rejected', now);
  return held.length;
}

/** Sets the holds' status; an older decision on the same record (held again later) gives way. */
async function close(d: DecisionTx, held: Held[], status: 'confirmed' | 'rejected', now: Date): Promise<void> {
  if (held.length === 0) return;
  await d.tx.heldDelete.deleteMany({
    where: { status, OR: held.map((h) => ({ connectionId: h.connectionId, externalId: h.externalId })) },
  });
  await d.tx.heldDelete.updateMany({ where: { id: { in: held.map((h) => h.id) } }, data: { status, decidedAt: now } });
}

const forceCreate = (ctx: ReconcileContext, connectionId: string): ReconcileContext => ({
  ...ctx,
  connections: ctx.connections.map((c) => (c.id === connectionId ? { ...c, createPolicy: 'create' } : c)),
});
