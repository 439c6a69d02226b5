import { randomUUID } from 'node:crypto';
import { createEmptyPerson, createLink, linkAt, linkOfPersonIn, personRow, snapshotAt } from '@contact-sync/store';
import { type ConflictRow, sidesOf } from './conflicts-read.ts';
import { isUuid } from './runs.ts';
import { AdminOpError } from './views.ts';
import type { DecisionTx } from './write.ts';

/** The unlinked provider record a matching conflict is about, checked to be still unlinked and present. */
async function unlinkedRecord(d: DecisionTx, row: ConflictRow) {
  const side = sidesOf(row)[0];
  if (!side?.externalId) throw new AdminOpError('invalid', `conflict ${row.id} names no provider record`);
  const at = { connectionId: side.connectionId, externalId: side.externalId };
  const [snap, link] = await Promise.all([snapshotAt(d.tx, at), linkAt(d.tx, at)]);
  const name = `${at.connectionId} record "${at.externalId}"`;
  if (!snap || snap.goneAt) throw new AdminOpError('conflict', `${name} no longer exists at the provider`);
  if (link) throw new AdminOpError('conflict', `${name} is already linked to person ${link.canonicalId}`);
  return { ...at, projection: snap.projection, extras: snap.extras };
}

async function insertLink(d: DecisionTx, rec: Awaited<ReturnType<typeof unlinkedRecord>>, canonicalId: string) {
  // No base yet: the record only proposes its values, as a freshly matched record does.
  await createLink(d.tx, {
    connectionId: rec.connectionId,
    externalId: rec.externalId,
    canonicalId,
    extras: rec.extras ?? {},
  });
}

/** Links the record of an ambiguous match to the chosen person, then plans that person. */
export async function linkToCandidate(d: DecisionTx, row: ConflictRow, canonicalId: string): Promise<string> {
  const rec = await unlinkedRecord(d, row);
  const person = isUuid(canonicalId) ? await personRow(d.tx, canonicalId) : null;
  if (!person || person.deletedAt || person.mergedIntoId)
    throw new AdminOpError('invalid', `canonicalId: no live person "${canonicalId}"`);
  const taken = await linkOfPersonIn(d.tx, rec.connectionId, canonicalId);
  if (taken)
    throw new AdminOpError(
      'conflict',
      `person ${canonicalId} already has a record in ${rec.connectionId} ("${taken.externalId}"): choose create-new`,
    );
  await insertLink(d, rec, canonicalId);
  await d.replan({ canonicalIds: [canonicalId] });
  return canonicalId;
}

/** Makes the record of a matching conflict a new person, created in the other connections per their policy. */
export async function createNewPerson(d: DecisionTx, row: ConflictRow): Promise<string> {
  const rec = await unlinkedRecord(d, row);
  const id = randomUUID();
  // Stored empty: the re-plan below fills the person from the record (a person no side agreed
  // with yet is planned from their records alone), so the ledger has their creation, cell by
  // cell, under the decision.
  await createEmptyPerson(d.tx, id);
  await insertLink(d, rec, id);
  await d.replan({ canonicalIds: [id] });
  return id;
}
