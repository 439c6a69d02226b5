import { sha256 } from '@contact-sync/core';
import type { Config } from '@contact-sync/engine/config';
import { type Db, liveRecordCounts, writtenInThisTransaction } from '@contact-sync/store';
import type { PlanBody, PlanConnectionSummary, PlanOpView } from './plan-view.ts';

/** What a plan shows of its pass: the ops and conflicts it wrote, summed per connection. */
export type PlanReadBack = Omit<PlanBody, 'snapshotHash' | 'configHash'>;

/** The ops and conflicts this transaction wrote (rows whose version it made), as the plan shows them. */
export async function readBack(
  tx: Db,
  scope: { config: Config; connectionIds: string[] },
  perConn: Map<string, { pulled: number; quarantined: number; heldDeletes: number }>,
): Promise<PlanReadBack> {
  const { ops, conflicts } = await writtenInThisTransaction(tx);
  const total = await liveRecordCounts(
    tx,
    scope.config.connections.map((c) => c.id),
  );

  const views: PlanOpView[] = ops.map((o) => {
    const fields =
      o.kind === 'create'
        ? Object.keys(o.target ?? {}).filter((f) => !isEmpty(o.target?.[f]))
        : o.kind === 'delete'
          ? Object.keys(o.before ?? {}).filter((f) => !isEmpty(o.before?.[f]))
          : o.changed;
    return {
      connectionId: o.connectionId,
      kind: o.kind,
      externalId: o.externalId,
      person: nameOf(o.person ?? o.target ?? o.before),
      held: o.status === 'held',
      fields: [...new Set(fields)].sort().map((field) => ({
        field,
        before: o.kind === 'create' ? null : (o.before?.[field] ?? null),
        after: o.kind === 'delete' ? null : (o.target?.[field] ?? null),
      })),
    };
  });
  views.sort((a, b) => opSignature(a).localeCompare(opSignature(b)));

  const connections: PlanConnectionSummary[] = scope.config.connections
    .filter((c) => scope.connectionIds.includes(c.id) || views.some((v) => v.connectionId === c.id))
    .map((c) => {
      const mine = views.filter((v) => v.connectionId === c.id);
      const n = total.get(c.id) ?? 0;
      const share = (k: number) => (n > 0 ? k / n : k > 0 ? 1 : 0);
      const fields: PlanConnectionSummary['fields'] = {};
      for (const v of mine)
        if (v.kind === 'update')
          for (const f of v.fields) fields[f.field] = { changed: (fields[f.field]?.changed ?? 0) + 1, share: 0 };
      for (const f of Object.values(fields)) f.share = share(f.changed);
      const updates = mine.filter((v) => v.kind === 'update').length;
      const deletes = mine.filter((v) => v.kind === 'delete').length;
      const counts = perConn.get(c.id);
      return {
        connectionId: c.id,
        pulled: counts?.pulled ?? 0,
        quarantined: counts?.quarantined ?? 0,
        records: n,
        people: new Set(ops.filter((o) => o.connectionId === c.id).map((o) => o.canonicalId)).size,
        creates: mine.filter((v) => v.kind === 'create').length,
        updates,
        deletes,
        held: mine.filter((v) => v.held).length,
        heldDeletes: counts?.heldDeletes ?? 0,
        share: share(updates + deletes),
        fields,
      };
    });
  return {
    opsHash: sha256(views.map(opSignature).join('\n')),
    summary: { ops: views.length, conflicts: conflicts.length, connections },
    ops: views,
    conflicts: conflicts.map((f) => ({
      kind: f.kind,
      field: f.field,
      connectionId: f.connectionId,
      person: nameOf(f.person as Record<string, unknown> | null),
      rule: f.rule,
      status: f.status,
    })),
  };
}

/** An op by what it writes where (not by ids a re-plan draws anew, such as a new person's). */
const opSignature = (o: PlanOpView): string =>
  JSON.stringify([o.connectionId, o.kind, o.externalId ?? '', o.held, o.fields.map((f) => [f.field, f.after])]);

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

function nameOf(data: Record<string, unknown> | null): string {
  if (!data) return '';
  const display = typeof data.displayName === 'string' ? data.displayName : '';
  if (display) return display;
  return [data.givenName, data.familyName].filter((x) => typeof x === 'string' && x).join(' ');
}
