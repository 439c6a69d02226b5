import type { Db } from './client.ts';
import { toJson } from './json.ts';

export interface QuarantineInput {
  externalId: string | null;
  raw: unknown;
  error: string;
}

export async function quarantine(db: Db, connectionId: string, runId: string, items: QuarantineInput[]): Promise<void> {
  if (items.length === 0) return;
  await db.quarantinedRecord.createMany({
    data: items.map((i) => ({
      connectionId,
      runId,
      externalId: i.externalId,
      raw: toJson(i.raw ?? null),
      error: i.error,
    })),
  });
}
