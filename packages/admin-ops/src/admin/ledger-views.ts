import { z } from 'zod';

/** What the admin API returns for the ledger's operations (response validation and OpenAPI). */

const Json = z.unknown();
const IsoDate = z.string();

export const HistoryEventView = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('change'),
    at: IsoDate,
    id: z.string(),
    field: z.string(),
    key: z.string().nullable(),
    old: Json,
    new: Json,
    cause: Json,
    runId: z.string().nullable(),
  }),
  z.object({
    type: z.literal('write'),
    at: IsoDate,
    id: z.string(),
    connectionId: z.string(),
    kind: z.string(),
    externalId: z.string().nullable(),
    changed: z.array(z.string()),
    status: z.string(),
    attempts: z.number(),
    lastError: z.string().nullable(),
    runId: z.string().nullable(),
  }),
]);

export const PersonHistoryView = z.object({ canonicalId: z.string(), events: z.array(HistoryEventView) });

export const UndoResultView = z.object({
  runId: z.string().nullable(),
  decisionId: z.string().nullable(),
  dryRun: z.boolean(),
  undoRunId: z.string().nullable(),
  people: z.array(
    z.object({
      canonicalId: z.string(),
      reverts: z.array(Json),
      conflicts: z.array(
        z.object({ field: z.string(), key: z.string().nullable(), before: Json, run: Json, now: Json }),
      ),
    }),
  ),
  writes: z.array(
    z.object({ connectionId: z.string(), kind: z.string(), canonicalId: z.string(), changed: z.array(z.string()) }),
  ),
  conflictsOpened: z.number(),
  opsEnqueued: z.number(),
});

export const PruneResultView = z.object({ deleted: z.number(), before: IsoDate });

export const PersonExplanationView = z.object({
  canonicalId: z.string(),
  canonical: Json,
  deleted: z.boolean(),
  records: z.array(
    z.object({
      connectionId: z.string(),
      externalId: z.string(),
      base: Json,
      snapshot: z
        .object({
          projection: Json,
          lastSeenAt: IsoDate,
          goneAt: IsoDate.nullable(),
          quarantinedAt: IsoDate.nullable(),
        })
        .nullable(),
      gaps: z.array(
        z.object({ field: z.string(), expected: Json, holds: Json, reason: z.string(), detail: z.string().nullable() }),
      ),
    }),
  ),
  ops: z.array(
    z.object({
      id: z.string(),
      connectionId: z.string(),
      kind: z.string(),
      status: z.string(),
      changed: z.array(z.string()),
      lastError: z.string().nullable(),
    }),
  ),
  conflicts: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      field: z.string().nullable(),
      status: z.string(),
      rule: z.string(),
      connectionId: z.string().nullable(),
    }),
  ),
  quarantined: z.array(
    z.object({
      id: z.string(),
      connectionId: z.string(),
      externalId: z.string().nullable(),
      error: z.string(),
      createdAt: IsoDate,
    }),
  ),
  lookalikes: z.array(
    z.object({ connectionId: z.string(), externalId: z.string(), linkedTo: z.string().nullable(), key: z.string() }),
  ),
});
