import type { Db } from './client.ts';
import { jsonParam, toJson } from './json.ts';

export interface QuarantineInput {
  externalId: string | null;
  raw: unknown;
  error: string;
}

/**
 * Records a pull's invalid records. A record already quarantined with the same payload and the
 * same error keeps its one row (moved to this run): a record that stays invalid for weeks is one
 * entry, not one per pull. A new payload or a new error is a new row; records without a readable
 * id always are.
 */
export async function quarantine(db: Db, connectionId: string, runId: string, items: QuarantineInput[]): Promise<void> {
  if (items.length === 0) return;
  const known = items
    .map((item, index) => ({ item, index }))
    .filter((k): k is { item: QuarantineInput & { externalId: string }; index: number } => k.item.externalId !== null);
  const repeated = new Set<number>();
  if (known.length > 0) {
    // jsonb equality ignores key order and whitespace, so the comparison is done in SQL.
    const rows = await db.$queryRaw<{ idx: number }[]>`
      WITH incoming AS (
        SELECT * FROM unnest(${known.map((k) => k.index)}::int[], ${known.map((k) => k.item.externalId)}::text[],
          ${known.map((k) => jsonParam(k.item.raw ?? null))}::text[],
          ${known.map((k) => k.item.error)}::text[]) AS t(idx, ext, raw, error)
      )
      UPDATE quarantined_records q SET "runId" = ${runId}::uuid
      FROM incoming i
      WHERE q."connectionId" = ${connectionId} AND q."externalId" = i.ext AND q.error = i.error AND q.raw = i.raw::jsonb
      RETURNING i.idx`;
    for (const r of rows) repeated.add(r.idx);
  }
  const fresh = items.filter((_, index) => !repeated.has(index));
  if (fresh.length === 0) return;
  await db.quarantinedRecord.createMany({
    data: fresh.map((i) => ({
      connectionId,
      runId,
      externalId: i.externalId,
      raw: toJson(i.raw ?? null),
      error: i.error,
    })),
  });
}
