import { DEFAULT_UPDATE_GUARD, type FieldKey, guardKey, type TrippedField, trippedFields } from '@contact-sync/core';
import {
  agreedRecords,
  canonicalDataOf,
  createHeldChangeSet,
  type HeldChangeInput,
  heldOpsOf,
  insertHeldChanges,
  liveRecordCounts,
  markOpsHeld,
  moveHeldChange,
  type ReconcileWrite,
  type SqlDb,
  supersedeHeldOps,
  type WrittenOp,
} from '@contact-sync/store';
import type { Config } from '../config.ts';

/** What the blast-radius guard decided for one reconcile batch, before its writes. */
export interface UpdateHold {
  /** Idempotency keys of the batch's ops to write as held instead of pending. */
  heldKeys: Set<string>;
  tripped: TrippedField[];
  /** Per held key: the set it joins (existing) or the field whose new set it starts. */
  placement: Map<string, { setId: string } | { field: FieldKey }>;
  /** Per held key: the person's value of each held field before this batch. */
  before: Map<string, unknown>;
}

/** What the guard keeps for one reconcile pass across its batches. */
export interface PassCounts {
  /** Records changed per (connection, field) by earlier batches of the pass. */
  changed: Map<string, number>;
  /**
   * Each connection's live records, counted once per pass (the share's denominator): a count per
   * batch read the whole snapshot table each time (8.3 s of Postgres in an initial sync of 100,000).
   */
  totals: Map<string, number>;
}

export const newPassCounts = (): PassCounts => ({ changed: new Map(), totals: new Map() });

const k = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * The blast-radius guard for updates (next to the mass-delete guard of a pull): counts the
 * batch's updates of records that had agreed with their person, per connection and field, on
 * top of what the pass changed so far; where one field would change more than the connection's
 * `updateGuard.share` and at least `updateGuard.minimum` of its records, those ops are written
 * held (status `held`, not enqueued) in a held change set an admin confirms or rejects.
 * A person with a held op in a connection keeps every later op for that connection held in the
 * same set (it carries the held value too), so nothing leaks past the hold one person at a time.
 */
export async function planUpdateHold(
  tx: SqlDb,
  config: Config,
  write: ReconcileWrite,
  pass: PassCounts,
): Promise<UpdateHold> {
  const hold: UpdateHold = { heldKeys: new Set(), tripped: [], placement: new Map(), before: new Map() };
  const updates = write.ops.filter((o) => o.kind === 'update' && o.externalId !== null);
  if (updates.length === 0) return hold;
  const people = [...new Set(updates.map((o) => o.canonicalId))];
  const [agreed, heldRows] = await Promise.all([
    agreedRecords(
      tx,
      updates.map((o) => ({ connectionId: o.connectionId, externalId: o.externalId! })),
    ),
    heldOpsOf(tx, people),
  ]);
  const heldOf = new Map(heldRows.map((r) => [k(r.canonicalId, r.connectionId), r]));
  const guarded = updates.map((o) => ({
    connectionId: o.connectionId,
    changed: o.changed as FieldKey[],
    agreed: agreed.has(k(o.connectionId, o.externalId!)) && !heldOf.has(k(o.canonicalId, o.connectionId)),
  }));
  const missing = [...new Set(updates.map((o) => o.connectionId))].filter((c) => !pass.totals.has(c));
  if (missing.length > 0) {
    const counted = await liveRecordCounts(tx, missing);
    for (const c of missing) pass.totals.set(c, counted.get(c) ?? 0);
  }
  const totals = pass.totals;
  const limitsOf = (id: string) => config.connections.find((c) => c.id === id)?.updateGuard ?? DEFAULT_UPDATE_GUARD;
  hold.tripped = trippedFields(guarded, totals, limitsOf, pass.changed);
  for (const g of guarded)
    if (g.agreed)
      for (const f of new Set(g.changed))
        pass.changed.set(guardKey(g.connectionId, f), (pass.changed.get(guardKey(g.connectionId, f)) ?? 0) + 1);

  const trippedKey = new Map(hold.tripped.map((t) => [guardKey(t.connectionId, t.field), t.field]));
  const needBefore: string[] = [];
  for (const o of updates) {
    const existing = heldOf.get(k(o.canonicalId, o.connectionId));
    if (existing) {
      if (existing.key === o.idempotencyKey) continue; // the same op, still held: nothing new
      hold.heldKeys.add(o.idempotencyKey);
      hold.placement.set(o.idempotencyKey, { setId: existing.setId });
      continue;
    }
    const field = o.changed.map((f) => trippedKey.get(guardKey(o.connectionId, f))).find((f) => f !== undefined);
    if (!field) continue;
    hold.heldKeys.add(o.idempotencyKey);
    hold.placement.set(o.idempotencyKey, { field });
    needBefore.push(o.canonicalId);
  }
  if (needBefore.length > 0) {
    const dataOf = await canonicalDataOf(tx, [...new Set(needBefore)]);
    for (const o of updates) {
      const p = hold.placement.get(o.idempotencyKey);
      if (p && 'field' in p) hold.before.set(o.idempotencyKey, dataOf.get(o.canonicalId)?.[p.field] ?? null);
    }
  }
  // A person's older held op for a connection gives way to the newer one, which joins its set.
  const replaced = updates
    .filter((o) => hold.placement.get(o.idempotencyKey) && 'setId' in hold.placement.get(o.idempotencyKey)!)
    .map((o) => heldOf.get(k(o.canonicalId, o.connectionId))!.opId);
  if (replaced.length > 0) await supersedeHeldOps(tx, replaced);
  return hold;
}

/**
 * After the batch's writes: marks the held ops held, files them in their change sets (one new set
 * per tripped field), and returns the ops to enqueue (the others).
 */
export async function applyUpdateHold(
  tx: SqlDb,
  hold: UpdateHold,
  write: ReconcileWrite,
  written: WrittenOp[],
  runId: string | null,
): Promise<WrittenOp[]> {
  if (hold.heldKeys.size === 0) return written;
  const held = written.filter((o) => hold.heldKeys.has(o.idempotencyKey));
  if (held.length === 0) return written;
  await markOpsHeld(
    tx,
    held.map((o) => o.id),
  );
  const opOf = new Map(write.ops.map((o) => [o.idempotencyKey, o]));
  const canonOf = new Map(write.canonicals.map((c) => [c.id, c.data as Record<string, unknown>]));
  const setOfField = new Map<string, string>();
  // One set per batch: the fields one provider's change tripped together (a family name and the
  // display name made of it) are one decision.
  const placed = new Set<string>();
  for (const w of held) {
    const p = hold.placement.get(w.idempotencyKey);
    if (p && 'field' in p) placed.add(p.field);
  }
  if (placed.size > 0) {
    const summary = hold.tripped
      .filter((t) => placed.has(t.field))
      .map((t) => ({
        connectionId: t.connectionId,
        field: t.field,
        changed: t.changed,
        total: t.total,
        share: t.share,
      }));
    const fields = [...placed].sort().join(',');
    const setId = await createHeldChangeSet(tx, { fields, runId, summary });
    for (const f of placed) setOfField.set(f, setId);
  }
  const items: HeldChangeInput[] = [];
  const moved: { opId: string; canonicalId: string; connectionId: string; setId: string }[] = [];
  for (const w of held) {
    const op = opOf.get(w.idempotencyKey)!;
    const p = hold.placement.get(w.idempotencyKey)!;
    if ('setId' in p) {
      moved.push({ opId: w.id, canonicalId: op.canonicalId, connectionId: op.connectionId, setId: p.setId });
      continue;
    }
    const setId = setOfField.get(p.field);
    if (!setId) continue;
    items.push({
      setId,
      opId: w.id,
      canonicalId: op.canonicalId,
      connectionId: op.connectionId,
      externalId: op.externalId,
      field: p.field,
      before: hold.before.get(w.idempotencyKey) ?? null,
      after: canonOf.get(op.canonicalId)?.[p.field] ?? null,
    });
  }
  await insertHeldChanges(tx, items);
  for (const m of moved) await moveHeldChange(tx, m, canonOf.get(m.canonicalId) ?? {});
  const heldIds = new Set(held.map((o) => o.id));
  return written.filter((o) => !heldIds.has(o.id));
}
