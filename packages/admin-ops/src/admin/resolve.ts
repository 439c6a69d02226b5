import { applyResolution } from '@contact-sync/core';
import { closeConflict, lockConflictRow, opCountOfPeople, personRow } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { type ConflictRow, candidateIdsOf, candidatesOf, conflictView, loadConflict } from './conflicts-read.ts';
import { fieldResolution } from './field-resolution.ts';
import { createNewPerson, linkToCandidate } from './match-resolution.ts';
import { parseInput } from './page.ts';
import { AdminOpError, type ConflictView, Decision } from './views.ts';
import { type DecisionTx, decide } from './write.ts';

/** Conflicts still waiting for (or open to) an admin's word. */
const DECIDABLE = ['open', 'auto-resolved', 'info'];
const MATCHING = ['ambiguous-match', 'duplicate-in-provider'];

/**
 * Resolves one conflict. A decision that changes a person goes through the normal push path:
 * the core re-plans the person with the decision applied (`applyResolution` for a field, a
 * new link for a match), canonical record, links, outbox ops and the conflict's status commit
 * in one transaction, and the ops are enqueued after commit.
 *
 * - field: `keep` (the policy's value; for a held conflict it is now written out), `pick` a
 *   side's value, or enter a `value`.
 * - ambiguous match / duplicate in provider: `link` the record to a person, or `create-new`.
 * - any kind: `dismiss` (nothing written); `keep` acknowledges a report entry.
 */
export async function resolveConflict(
  res: AdminContext,
  id: string,
  decision: Decision,
  by?: string,
): Promise<{ conflict: ConflictView; opsEnqueued: number }> {
  const dec = parseInput(Decision, decision);
  const row = await loadConflict(res, id);
  ensureDecidable(row);
  const cause = {
    kind: 'admin' as const,
    by: by ?? null,
    action: `${dec.action} (conflict ${row.id})`,
    decision: row.id,
  };
  const { value, opsEnqueued } = await decide(
    res,
    async (d) => {
      const current = await lockConflict(d, row.id);
      const applied = await apply(d, current, dec);
      const resolution = { ...dec, ...applied, by: by ?? null, at: res.now().toISOString() };
      return closeConflict(d.tx, row.id, {
        status: dec.action === 'dismiss' ? 'dismissed' : 'resolved',
        resolution,
        at: res.now(),
      });
    },
    { cause },
  );
  const ids = candidateIdsOf(value);
  return { conflict: conflictView(value, ids.length ? await candidatesOf(res, ids) : undefined), opsEnqueued };
}

function ensureDecidable(row: ConflictRow): void {
  if (!DECIDABLE.includes(row.status))
    throw new AdminOpError('conflict', `conflict ${row.id} is already ${row.status}`);
}

/** Re-reads the conflict under a row lock: two admins deciding at once cannot both win. */
async function lockConflict(d: DecisionTx, id: string): Promise<ConflictRow> {
  const row = await lockConflictRow(d.tx, id);
  ensureDecidable(row);
  return row;
}

async function apply(d: DecisionTx, row: ConflictRow, dec: Decision): Promise<Record<string, unknown>> {
  if (dec.action === 'dismiss') return {};
  if (MATCHING.includes(row.kind)) {
    if (dec.action === 'link') return { canonicalId: await linkToCandidate(d, row, dec.canonicalId) };
    if (dec.action === 'create-new') return { canonicalId: await createNewPerson(d, row) };
    throw new AdminOpError('invalid', `action: a ${row.kind} conflict takes link, create-new or dismiss`);
  }
  if (row.kind !== 'field') {
    if (dec.action === 'keep') return {};
    throw new AdminOpError('invalid', `action: a ${row.kind} entry takes keep or dismiss`);
  }
  const { resolution, value } = fieldResolution(row, dec);
  if (!resolution) return { value };
  const canonicalId = row.canonicalId;
  const person = canonicalId ? await personRow(d.tx, canonicalId) : null;
  if (!canonicalId || !person || person.deletedAt || person.mergedIntoId)
    throw new AdminOpError('conflict', `the person of conflict ${row.id} no longer exists`);
  const busy = await opCountOfPeople(d.tx, [canonicalId], ['pending', 'in_flight']);
  if (busy > 0)
    throw new AdminOpError(
      'conflict',
      `${busy} push(es) for this person are still under way; decide again once they finished`,
    );
  await d.replan({
    canonicalIds: [canonicalId],
    adjust: (input) => (input.canonicalId === canonicalId ? applyResolution(input, resolution) : input),
  });
  return { value };
}
