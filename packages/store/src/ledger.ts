import { type LedgerValue, SetEntrySchema } from '@contact-sync/core';
import { z } from 'zod';
import type { Db } from './client.ts';
import type { LedgerEntry as LedgerRow } from './generated/prisma/client.ts';
import { jsonParam } from './json.ts';
import type { SqlDb } from './sql-lane.ts';

/** A cell's value in the ledger: a scalar's text, a set entry, or nothing. */
const LedgerValueSchema: z.ZodType<LedgerValue> = z.union([z.string(), SetEntrySchema, z.null()]);

/** A ledger row with its values parsed (`old`, `new`: the core's `LedgerValue`). */
export type LedgerEntry = Omit<LedgerRow, 'old' | 'new'> & { old: LedgerValue; new: LedgerValue };

const typedEntry = (e: LedgerRow): LedgerEntry => ({
  ...e,
  old: LedgerValueSchema.parse(e.old ?? null),
  new: LedgerValueSchema.parse(e.new ?? null),
});

/** One change of a canonical cell, as the batch writes it (the core's `LedgerEntry` plus the run). */
export interface LedgerWrite {
  canonicalId: string;
  field: string;
  key: string | null;
  old: unknown;
  new: unknown;
  cause: { kind: string } & Record<string, unknown>;
  runId: string | null;
}

/**
 * Appends a batch's ledger rows: one multi-row insert of parallel arrays (`unnest`), each value
 * serialized on its own (no batch-wide document built, parsed and expanded again in Postgres).
 */
export async function appendLedger(tx: SqlDb, entries: readonly LedgerWrite[]): Promise<void> {
  const n = entries.length;
  if (n === 0) return;
  const canonicalIds = new Array<string>(n);
  const fields = new Array<string>(n);
  const keys = new Array<string | null>(n);
  const olds = new Array<string | null>(n);
  const news = new Array<string | null>(n);
  const kinds = new Array<string>(n);
  const causes = new Array<string>(n);
  const runIds = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    canonicalIds[i] = e.canonicalId;
    fields[i] = e.field;
    keys[i] = e.key;
    olds[i] = e.old === null || e.old === undefined ? null : jsonParam(e.old);
    news[i] = e.new === null || e.new === undefined ? null : jsonParam(e.new);
    kinds[i] = e.cause.kind;
    causes[i] = jsonParam(e.cause);
    runIds[i] = e.runId;
  }
  await tx.$executeRaw`
    INSERT INTO ledger_entries ("canonicalId", field, key, old, new, "causeKind", cause, "runId")
    SELECT * FROM unnest(${canonicalIds}::uuid[], ${fields}::text[], ${keys}::text[], ${olds}::jsonb[],
      ${news}::jsonb[], ${kinds}::text[], ${causes}::jsonb[], ${runIds}::uuid[])`;
}

/** A person's ledger, newest first. */
export async function ledgerOf(db: Db, canonicalId: string, limit = 500): Promise<LedgerEntry[]> {
  const rows = await db.ledgerEntry.findMany({ where: { canonicalId }, orderBy: { id: 'desc' }, take: limit });
  return rows.map(typedEntry);
}

/** Every change a run made, oldest first. */
export async function ledgerOfRun(db: Db, runId: string): Promise<LedgerEntry[]> {
  const rows = await db.ledgerEntry.findMany({ where: { runId }, orderBy: { id: 'asc' } });
  return rows.map(typedEntry);
}

/** Every change one admin decision made (`cause.decision`), oldest first. */
export async function ledgerOfDecision(db: Db, decisionId: string): Promise<LedgerEntry[]> {
  const rows = await db.ledgerEntry.findMany({
    where: { causeKind: 'admin', cause: { path: ['decision'], equals: decisionId } },
    orderBy: { id: 'asc' },
  });
  return rows.map(typedEntry);
}

/**
 * The cells of these people changed by a ledger row after `afterId` (any run or decision), other
 * than the rows of the change being undone: its run's (`exceptRunId`) or its own rows (`exceptIds`).
 */
export async function cellsChangedAfter(
  db: Db,
  canonicalIds: readonly string[],
  afterId: bigint,
  exceptRunId: string | null,
  exceptIds: readonly bigint[] = [],
): Promise<{ canonicalId: string; field: string; key: string | null }[]> {
  if (canonicalIds.length === 0) return [];
  return db.$queryRaw`
    SELECT DISTINCT "canonicalId"::text AS "canonicalId", field, key FROM ledger_entries
    WHERE "canonicalId" = ANY(${[...canonicalIds]}::uuid[]) AND id > ${afterId}
      AND (${exceptRunId}::uuid IS NULL OR "runId" IS DISTINCT FROM ${exceptRunId}::uuid)
      AND NOT (id = ANY(${[...exceptIds]}::bigint[]))`;
}

/** Deletes ledger rows older than the date; returns how many. */
export async function pruneLedger(db: Db, olderThan: Date): Promise<number> {
  return db.$executeRaw`DELETE FROM ledger_entries WHERE at < ${olderThan}`;
}
