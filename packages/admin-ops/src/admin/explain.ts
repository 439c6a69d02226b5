import { type Canonical, explainFields, type FieldGap, type FieldKey, type Projection } from '@contact-sync/core';
import { policiesContext } from '@contact-sync/engine/policies';
import {
  linksByCanonical,
  openConflictsOf,
  opsOfPersonIn,
  personRow,
  quarantinedOfRecords,
  readSnapshots,
  recordsWithEmailNotOf,
} from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { resolvePerson } from './history.ts';
import { AdminOpError } from './views.ts';

export interface ExplainedRecord {
  connectionId: string;
  externalId: string;
  base: unknown;
  snapshot: { projection: unknown; lastSeenAt: string; goneAt: string | null; quarantinedAt: string | null } | null;
  /** Each field this record does not hold the canonical value of, and why. */
  gaps: FieldGap[];
}

export interface PersonExplanation {
  canonicalId: string;
  canonical: unknown;
  deleted: boolean;
  records: ExplainedRecord[];
  /** Pending, in-flight and failed writes, with their last error. */
  ops: {
    id: string;
    connectionId: string;
    kind: string;
    status: string;
    changed: string[];
    lastError: string | null;
  }[];
  /** Open conflicts and report entries about the person. */
  conflicts: {
    id: string;
    kind: string;
    field: string | null;
    status: string;
    rule: string;
    connectionId: string | null;
  }[];
  quarantined: { id: string; connectionId: string; externalId: string | null; error: string; createdAt: string }[];
  /** Records linked to nobody (or someone else) that hold one of this person's e-mails. */
  lookalikes: { connectionId: string; externalId: string; linkedTo: string | null; key: string }[];
}

const UNFINISHED = ['pending', 'in_flight', 'failed'];

/**
 * Everything that makes a person look as they do: each linked record with its snapshot and base,
 * the canonical record, unfinished writes, open conflicts and reports, quarantined records, and per
 * record each field it does not hold the canonical value of with the reason (`explainFields`).
 */
export async function explainPerson(res: AdminContext, query: string): Promise<PersonExplanation> {
  const canonicalId = await resolvePerson(res, query);
  const person = await personRow(res.prisma, canonicalId);
  if (!person) throw new AdminOpError('not_found', `person ${canonicalId} not found`);
  const links = await linksByCanonical(res.prisma, [canonicalId]);
  const [snaps, ops, conflicts, quarantined] = await Promise.all([
    readSnapshots(res.prisma, links),
    opsOfPersonIn(res.prisma, canonicalId, UNFINISHED),
    openConflictsOf(res.prisma, canonicalId),
    quarantinedOfRecords(
      res.prisma,
      links.map((l) => ({ connectionId: l.connectionId, externalId: l.externalId })),
    ),
  ]);
  const ctx = policiesContext(res.config, res.now());
  const canonical = person.data;
  const records: ExplainedRecord[] = links.map((l) => {
    const snap = snaps.find((s) => s.connectionId === l.connectionId && s.externalId === l.externalId);
    const conn = ctx.connections.find((c) => c.id === l.connectionId);
    const mine = ops.filter((o) => o.connectionId === l.connectionId);
    const fieldsOf = (status: string[]) =>
      new Set(mine.filter((o) => status.includes(o.status)).flatMap((o) => o.changed as FieldKey[]));
    const failed = new Map<FieldKey, string>();
    for (const o of mine.filter((x) => x.status === 'failed'))
      for (const f of o.changed) failed.set(f as FieldKey, o.lastError ?? 'failed');
    const held = new Set(
      conflicts.filter((c) => c.kind === 'field' && c.status === 'open' && c.field).map((c) => c.field as FieldKey),
    );
    // As the reconciler reads a side (`sideOf`): a snapshot read before our last write to the record
    // landed is stale, the base (what was written) is what the provider holds.
    const base = l.base;
    const stale = snap && base && snap.lastSeenAt < l.updatedAt;
    const current = snap && !snap.goneAt && !stale ? (snap.projection as Projection) : base;
    return {
      connectionId: l.connectionId,
      externalId: l.externalId,
      base: l.base,
      snapshot: snap
        ? {
            projection: snap.projection,
            lastSeenAt: snap.lastSeenAt.toISOString(),
            goneAt: snap.goneAt?.toISOString() ?? null,
            quarantinedAt: snap.quarantinedAt?.toISOString() ?? null,
          }
        : null,
      gaps:
        conn && !person.deletedAt
          ? explainFields(conn, canonical, current, {
              quarantined: snap?.quarantinedAt != null,
              pending: fieldsOf(['pending', 'in_flight']),
              failed,
              held,
            })
          : [],
    };
  });
  return {
    canonicalId,
    canonical,
    deleted: person.deletedAt !== null,
    records,
    ops: ops.map((o) => ({
      id: o.id,
      connectionId: o.connectionId,
      kind: o.kind,
      status: o.status,
      changed: o.changed,
      lastError: o.lastError,
    })),
    conflicts: conflicts.map((c) => ({
      id: c.id,
      kind: c.kind,
      field: c.field,
      status: c.status,
      rule: c.rule,
      connectionId: c.connectionId,
    })),
    quarantined: quarantined.map((q) => ({
      id: q.id,
      connectionId: q.connectionId,
      externalId: q.externalId,
      error: q.error,
      createdAt: q.createdAt.toISOString(),
    })),
    lookalikes: await lookalikes(res, canonicalId, canonical),
  };
}

/** Snapshot rows holding one of the person's e-mails that are not this person's records. */
async function lookalikes(res: AdminContext, canonicalId: string, canonical: Canonical) {
  const out: PersonExplanation['lookalikes'] = [];
  for (const e of (canonical.emails ?? []).slice(0, 10)) {
    const rows = await recordsWithEmailNotOf(res.prisma, canonicalId, e.value);
    for (const r of rows) out.push({ ...r, key: e.value });
  }
  return out;
}
