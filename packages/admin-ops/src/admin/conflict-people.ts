import { peopleAndLinks, snapshotsOf } from '@contact-sync/store';
import { z } from 'zod';
import type { AdminContext } from '../context.ts';
import { candidateIdsOf, loadConflict, sidesOf } from './conflicts-read.ts';

/** One provider record as a person reviewing a match compares it. */
export const RecordCardView = z.object({
  connectionId: z.string(),
  externalId: z.string(),
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  displayName: z.string().nullable(),
  organization: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  /** When the provider says it changed, and when a pull last saw it. */
  updatedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  /** The person it is linked to (null: unlinked). */
  canonicalId: z.string().nullable(),
});
export type RecordCardView = z.infer<typeof RecordCardView>;

export const ConflictPeopleView = z.object({
  conflictId: z.string(),
  kind: z.string(),
  /** The record the entry is about (the unlinked one, the duplicate), when it names one. */
  record: RecordCardView.nullable(),
  /** The people involved (candidates; the person holding the duplicate), each with every record linked to them. */
  people: z.array(
    z.object({
      canonicalId: z.string(),
      name: z.string(),
      updatedAt: z.string(),
      records: z.array(RecordCardView),
    }),
  ),
});
export type ConflictPeopleView = z.infer<typeof ConflictPeopleView>;

type Data = Record<string, unknown> | null;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const values = (v: unknown) =>
  Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' && 'value' in e ? String(e.value) : String(e))) : [];

function card(
  connectionId: string,
  externalId: string,
  data: Data,
  snap: { remoteUpdatedAt: Date | null; lastSeenAt: Date } | null,
  canonicalId: string | null,
): RecordCardView {
  return {
    connectionId,
    externalId,
    givenName: str(data?.givenName),
    familyName: str(data?.familyName),
    displayName: str(data?.displayName),
    organization: str(data?.organization),
    emails: values(data?.emails),
    phones: values(data?.phones),
    updatedAt: snap?.remoteUpdatedAt?.toISOString() ?? null,
    lastSeenAt: snap?.lastSeenAt.toISOString() ?? null,
    canonicalId,
  };
}

/**
 * The records a matching entry (ambiguous match, duplicate in a provider, a skipped create) is
 * about, side by side: the record itself and every record of each person involved, as the
 * providers hold them (the snapshot; what the engine wrote where no pull has read it yet).
 */
export async function conflictPeople(res: AdminContext, id: string): Promise<ConflictPeopleView> {
  const row = await loadConflict(res, id);
  const side = sidesOf(row).find((s) => s.externalId);
  const personIds = [...new Set([...candidateIdsOf(row), ...(row.canonicalId ? [row.canonicalId] : [])])];
  const [people, links] = await peopleAndLinks(res.prisma, personIds);
  const keys = [
    ...links.map((l) => ({ connectionId: l.connectionId, externalId: l.externalId })),
    ...(side?.externalId ? [{ connectionId: side.connectionId, externalId: side.externalId }] : []),
  ];
  const snaps = await snapshotsOf(res.prisma, keys);
  const snapOf = new Map(snaps.map((s) => [`${s.connectionId}\u0000${s.externalId}`, s]));
  const linkOf = new Map(links.map((l) => [`${l.connectionId}\u0000${l.externalId}`, l]));
  const recordOf = (connectionId: string, externalId: string, fallback: Data) => {
    const k = `${connectionId}\u0000${externalId}`;
    const s = snapOf.get(k);
    const data = s && !s.goneAt ? (s.projection as Data) : fallback;
    return card(connectionId, externalId, data, s ?? null, linkOf.get(k)?.canonicalId ?? null);
  };
  const order = new Map(personIds.map((p, i) => [p, i]));
  return {
    conflictId: row.id,
    kind: row.kind,
    record: side?.externalId ? recordOf(side.connectionId, side.externalId, side.value as Data) : null,
    // A person merged into another is shown as the one they became (when that one is involved).
    people: people
      .filter((p) => !p.mergedIntoId)
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      .map((p) => {
        const data = p.data as Data;
        return {
          canonicalId: p.id,
          name: str(data?.displayName) ?? [str(data?.givenName), str(data?.familyName)].filter(Boolean).join(' ') ?? '',
          updatedAt: p.updatedAt.toISOString(),
          records: links
            .filter((l) => l.canonicalId === p.id)
            .filter((l) => !(side && l.connectionId === side.connectionId && l.externalId === side.externalId))
            .map((l) => recordOf(l.connectionId, l.externalId, l.base as Data)),
        };
      }),
  };
}
