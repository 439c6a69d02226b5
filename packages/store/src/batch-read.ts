import type { Db } from './client.ts';
import type { CanonicalContact, Link } from './generated/prisma/client.ts';
import type { SnapshotRow } from './snapshots.ts';

/** Everything a reconcile batch reads about its people, from one statement (`readBatchPeople`). */
export interface BatchPeople {
  canonicals: CanonicalContact[];
  links: Link[];
  /** The snapshot rows of those links; a row whose content hash is its link's base hash holds that base object itself. */
  snapshots: SnapshotRow[];
  detachments: { canonicalId: string; connectionId: string }[];
  /** Connections with a pending or in-flight op, per canonical. */
  unfinished: { canonicalId: string; connectionId: string }[];
}

interface Row {
  canonicalId: string;
  /** One row per person carries its canonical record, detachments and busy connections. */
  first: boolean;
  found: boolean;
  data: unknown;
  contentHash: string | null;
  version: number | null;
  mergedIntoId: string | null;
  recheck: boolean | null;
  deletedAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  linkId: string | null;
  connectionId: string | null;
  externalId: string | null;
  base: unknown;
  baseHash: string | null;
  linkExtras: unknown;
  linkCreatedAt: Date | null;
  linkUpdatedAt: Date | null;
  hasSnap: boolean;
  sameAsBase: boolean;
  projection: unknown;
  extras: unknown;
  remoteUpdatedAt: Date | null;
  goneAt: Date | null;
  changeSeq: bigint | null;
  lastSeenRunId: string | null;
  lastSeenAt: Date | null;
  quarantinedAt: Date | null;
  detached: string[] | null;
  busy: string[] | null;
}

/**
 * The people of a reconcile batch — those linked to any of `records`, and `ids` — with their
 * canonical records, links, the links' snapshot rows, detachments and connections with an
 * unfinished op, in one statement (it replaces six round trips through the query builder).
 * A person's canonical record and aggregates come on one of their rows only (not once per link),
 * and the aggregates are computed once per person (the CTE is materialized).
 * A snapshot whose content hash equals its link's base hash is not sent: the base stands for it
 * (the same object, which tells the core it need not normalize or merge that side).
 */
export async function readBatchPeople(
  db: Db,
  records: readonly { connectionId: string; externalId: string }[],
  ids: readonly string[],
): Promise<BatchPeople> {
  const out: BatchPeople = { canonicals: [], links: [], snapshots: [], detachments: [], unfinished: [] };
  if (records.length === 0 && ids.length === 0) return out;
  const rows = await db.$queryRaw<Row[]>`
    WITH ids AS (
      SELECT l."canonicalId" AS id FROM links l
      JOIN unnest(${records.map((r) => r.connectionId)}::text[], ${records.map((r) => r.externalId)}::text[]) AS k(c, e)
        ON l."connectionId" = k.c AND l."externalId" = k.e
      UNION
      SELECT unnest(${[...ids]}::uuid[])),
    per AS MATERIALIZED (
      SELECT ids.id,
        (SELECT array_agg(d."connectionId") FROM detachments d WHERE d."canonicalId" = ids.id) AS detached,
        (SELECT array_agg(o."connectionId") FROM outbox_ops o
          WHERE o."canonicalId" = ids.id AND o.status IN ('pending', 'in_flight')) AS busy
      FROM ids),
    j AS (
      SELECT per.id, per.detached, per.busy, row_number() OVER (PARTITION BY per.id) = 1 AS first,
        c.id IS NOT NULL AS found, c.data, c."contentHash", c.version, c."mergedIntoId",
        c.recheck, c."deletedAt", c."createdAt", c."updatedAt",
        l.id AS "linkId", l."connectionId", l."externalId", l.base, l."baseHash", l.extras AS "linkExtras",
        l."createdAt" AS "linkCreatedAt", l."updatedAt" AS "linkUpdatedAt",
        s."externalId" IS NOT NULL AS "hasSnap",
        COALESCE(s."contentHash" = l."baseHash", false) AS "sameAsBase",
        CASE WHEN s."contentHash" = l."baseHash" THEN NULL ELSE s.projection END AS projection,
        s.extras, s."remoteUpdatedAt", s."goneAt", s."changeSeq", s."lastSeenRunId", s."lastSeenAt", s."quarantinedAt"
      FROM per
      LEFT JOIN canonical_contacts c ON c.id = per.id
      LEFT JOIN links l ON l."canonicalId" = per.id
      LEFT JOIN snapshot_records s ON s."connectionId" = l."connectionId" AND s."externalId" = l."externalId")
    SELECT id AS "canonicalId", first, found,
      CASE WHEN first THEN data END AS data, "contentHash", version, "mergedIntoId", recheck, "deletedAt",
      "createdAt", "updatedAt", "linkId", "connectionId", "externalId", base, "baseHash", "linkExtras",
      "linkCreatedAt", "linkUpdatedAt", "hasSnap", "sameAsBase", projection, extras, "remoteUpdatedAt", "goneAt",
      "changeSeq", "lastSeenRunId", "lastSeenAt", "quarantinedAt",
      CASE WHEN first THEN detached END AS detached, CASE WHEN first THEN busy END AS busy
    FROM j`;
  for (const r of rows) {
    if (r.first) {
      if (r.found)
        out.canonicals.push({
          id: r.canonicalId,
          data: r.data as CanonicalContact['data'],
          contentHash: r.contentHash!,
          version: r.version!,
          mergedIntoId: r.mergedIntoId,
          recheck: r.recheck!,
          deletedAt: r.deletedAt,
          createdAt: r.createdAt!,
          updatedAt: r.updatedAt!,
        });
      for (const connectionId of r.detached ?? []) out.detachments.push({ canonicalId: r.canonicalId, connectionId });
      for (const connectionId of r.busy ?? []) out.unfinished.push({ canonicalId: r.canonicalId, connectionId });
    }
    if (r.linkId === null) continue;
    const link: Link = {
      id: r.linkId,
      connectionId: r.connectionId!,
      externalId: r.externalId!,
      canonicalId: r.canonicalId,
      base: r.base as Link['base'],
      baseHash: r.baseHash,
      extras: r.linkExtras as Link['extras'],
      createdAt: r.linkCreatedAt!,
      updatedAt: r.linkUpdatedAt!,
    };
    out.links.push(link);
    if (!r.hasSnap) continue;
    out.snapshots.push({
      connectionId: link.connectionId,
      externalId: link.externalId,
      projection: r.sameAsBase ? link.base : r.projection,
      extras: r.extras,
      remoteUpdatedAt: r.remoteUpdatedAt,
      goneAt: r.goneAt,
      changeSeq: r.changeSeq!,
      lastSeenRunId: r.lastSeenRunId,
      lastSeenAt: r.lastSeenAt!,
      quarantinedAt: r.quarantinedAt,
    });
  }
  return out;
}
