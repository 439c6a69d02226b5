import {
  applyResolution,
  type Canonical,
  type ReconcileInput,
  type ScalarField,
  SET_FIELDS,
  type SetEntry,
  type SetField,
} from '@contact-sync/core';
import {
  closeHeldChangeSet,
  type HeldChangeSetRow,
  heldChangeSetById,
  heldChangeSetsByIds,
  heldChangeSetsPage,
  heldChangesOf,
  heldWritesOf,
  lockHeldChangeSet,
  personDataByIds,
  type StillHeldChange,
  setHeldOpsStatus,
  stillHeldChanges,
} from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import { decodeCursor, iso, pageOf, parseInput } from './page.ts';
import { AdminOpError, ListQuery, type Page } from './views.ts';
import { type DecisionTx, decide } from './write.ts';

export const HeldChangeStatus = z.enum(['held', 'confirmed', 'rejected', 'resolved']);
export const HeldChangeQuery = ListQuery.extend({ status: HeldChangeStatus.optional() });
export type HeldChangeQuery = z.input<typeof HeldChangeQuery>;

export const HeldChangeItemView = z.object({
  canonicalId: z.string(),
  connectionId: z.string(),
  externalId: z.string().nullable(),
  /** The person's value before the change, and the value the held write would set. */
  field: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export const HeldChangeSetView = z.object({
  id: z.string(),
  field: z.string(),
  status: HeldChangeStatus,
  runId: z.string().nullable(),
  /** Per connection whose share tripped the guard: records changed, records held there, share. */
  summary: z.array(
    z.object({
      connectionId: z.string(),
      field: z.string(),
      changed: z.number(),
      total: z.number(),
      share: z.number(),
    }),
  ),
  /** Held writes per connection (those still held while the set waits). */
  writes: z.record(z.string(), z.number()),
  items: z.array(HeldChangeItemView),
  itemCount: z.number(),
  note: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});
export type HeldChangeSetView = z.infer<typeof HeldChangeSetView>;
export const HeldChangeDecision = z.strictObject({ ids: z.array(z.string().min(1)).min(1) });
export const DecideHeldChangesView = z.object({ decided: z.number(), writes: z.number(), opsEnqueued: z.number() });
export type DecideHeldChangesView = z.infer<typeof DecideHeldChangesView>;

const SAMPLE = 50;

/** Change sets the update guard held, newest first, each with a sample of its changes. */
export async function listHeldChanges(
  res: AdminContext,
  query: HeldChangeQuery = {},
  opts: { items?: number } = {},
): Promise<Page<HeldChangeSetView>> {
  const q = parseInput(HeldChangeQuery, query);
  const rows = await heldChangeSetsPage(res.prisma, {
    status: q.status,
    limit: q.limit,
    after: decodeCursor(q.cursor),
  });
  const views = await Promise.all(rows.slice(0, q.limit).map((r) => setView(res, r, opts.items ?? SAMPLE)));
  const byId = new Map(views.map((v) => [v.id, v]));
  return pageOf(
    rows,
    q.limit,
    (r) => r.createdAt,
    (r) => byId.get(r.id)!,
  );
}

/** One change set with every change in it. */
export async function getHeldChangeSet(res: AdminContext, id: string): Promise<HeldChangeSetView> {
  const row = await heldChangeSetById(res.prisma, id).catch(() => null);
  if (!row) throw new AdminOpError('not_found', `no held change set "${id}"`);
  return setView(res, row, Number.MAX_SAFE_INTEGER);
}

async function setView(res: AdminContext, r: HeldChangeSetRow, take: number): Promise<HeldChangeSetView> {
  const [[items, itemCount], writes] = await Promise.all([
    heldChangesOf(res.prisma, r.id, take),
    heldWritesOf(res.prisma, r.id),
  ]);
  return {
    id: r.id,
    field: r.field,
    status: r.status as HeldChangeSetView['status'],
    runId: r.runId,
    summary: r.summary,
    writes,
    items: items.map((i) => ({
      canonicalId: i.canonicalId,
      connectionId: i.connectionId,
      externalId: i.externalId,
      field: i.field,
      before: i.before,
      after: i.after,
    })),
    itemCount,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
    decidedAt: iso(r.decidedAt),
  };
}

type Item = StillHeldChange;

/**
 * Confirms or rejects held change sets, each in one transaction under the reconcile lock.
 *
 * - confirm: the held writes go out as they are (status pending, enqueued) — except for a
 *   person whose value changed again since (the write no longer says what the person holds):
 *   that op is superseded, and the person's next reconcile plans afresh.
 * - reject: the change was a mistake. No held write goes out (the other providers keep their
 *   values), and the person's value goes back to what it was before the change, as if an admin
 *   had entered it: the provider that made the change is written back to the old value through
 *   the normal push path (otherwise its next change of the person, or the next reconcile, would
 *   carry the mistake out again). The guard never holds an admin's decision.
 */
export async function decideHeldChanges(
  res: AdminContext,
  input: { ids: string[]; decision: 'confirm' | 'reject' },
): Promise<DecideHeldChangesView> {
  const { ids } = parseInput(HeldChangeDecision, { ids: input.ids });
  const rows = await heldChangeSetsByIds(
    res.prisma,
    ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id)),
  );
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length > 0) throw new AdminOpError('not_found', `ids: no held change set ${missing.join(', ')}`);
  const done = rows.filter((r) => r.status !== 'held');
  if (done.length > 0)
    throw new AdminOpError('conflict', `ids: already decided: ${done.map((r) => `${r.id} (${r.status})`).join(', ')}`);
  const out = { decided: 0, writes: 0, opsEnqueued: 0 };
  for (const id of ids) {
    const r = await decide(res, (d) => decideSet(d, id, input.decision, res.now()), {
      cause: { kind: 'admin', by: null, action: `held change ${input.decision}`, decision: id },
    });
    out.decided += r.value.decided;
    out.writes += r.value.writes;
    out.opsEnqueued += r.opsEnqueued;
  }
  return out;
}

async function decideSet(
  d: DecisionTx,
  id: string,
  decision: 'confirm' | 'reject',
  now: Date,
): Promise<{ decided: number; writes: number }> {
  if ((await lockHeldChangeSet(d.tx, id)) !== 'held') return { decided: 0, writes: 0 };
  const items = await stillHeldChanges(d.tx, id);
  let writes = 0;
  if (decision === 'confirm') {
    const dataOf: Map<string, Record<string, unknown>> = await personDataByIds(d.tx, [
      ...new Set(items.map((i) => i.canonicalId)),
    ]);
    const current = items.filter(
      (i) => JSON.stringify(dataOf.get(i.canonicalId)?.[i.field] ?? null) === JSON.stringify(i.after ?? null),
    );
    const stale = items.filter((i) => !current.includes(i));
    await setStatus(d, current, 'pending', null);
    await setStatus(d, stale, 'superseded', 'held change confirmed, but the person changed since');
    d.release(current.map((i) => i.opId));
    writes = current.length;
  } else {
    await setStatus(d, items, 'superseded', 'held change rejected by an admin');
    const byPerson = new Map<string, Map<string, unknown>>();
    for (const i of items) {
      const fields = byPerson.get(i.canonicalId) ?? new Map<string, unknown>();
      if (!fields.has(i.field)) fields.set(i.field, i.before);
      byPerson.set(i.canonicalId, fields);
    }
    if (byPerson.size > 0)
      await d.replan({
        canonicalIds: [...byPerson.keys()],
        adjust: (input) => {
          let out = input;
          // The display name last: reverting a name first lets a display name made of it follow.
          const fields = [...(byPerson.get(input.canonicalId) ?? [])].sort(([a], [b]) =>
            a === 'displayName' ? 1 : b === 'displayName' ? -1 : 0,
          );
          for (const [field, before] of fields) out = revertField(out, field, before);
          return out;
        },
      });
  }
  await closeHeldChangeSet(d.tx, id, decision === 'confirm' ? 'confirmed' : 'rejected', now);
  return { decided: 1, writes };
}

async function setStatus(
  d: DecisionTx,
  items: Item[],
  status: 'pending' | 'superseded',
  note: string | null,
): Promise<void> {
  await setHeldOpsStatus(
    d.tx,
    items.map((i) => i.opId),
    status,
    note,
  );
}

/** The person's field back to `before`, as a hand decision: flows to every provider that differs. */
function revertField(input: ReconcileInput, field: string, before: unknown): ReconcileInput {
  if (!(SET_FIELDS as readonly string[]).includes(field))
    return applyResolution(input, { field: field as ScalarField, value: (before as string | null) ?? null });
  const f = field as SetField;
  const old = (before as SetEntry[] | null) ?? [];
  const now = (input.canonical as Canonical | null)?.[f] ?? [];
  let out = input;
  for (const key of new Set([...old, ...now].map((e) => e.value)))
    out = applyResolution(out, { field: f, key, entry: old.find((e) => e.value === key) ?? null });
  return out;
}
