import type { Db } from './client.ts';
import type { SyncRun } from './generated/prisma/client.ts';
import { createRun } from './runs.ts';
import type { SqlDb } from './sql-lane.ts';

/** Where a pull's list read is, as saved after each page it ingested. */
export interface PullCheckpoint {
  cursor: string | null;
  total: number | null;
  pages: number;
  shifted: boolean;
}

/**
 * The run of a pull job: the one an earlier attempt of the same job left unfinished (failed, or
 * still `running` after its worker died) is taken up again with its checkpoint; otherwise a new
 * run from the start. A run whose list shifted is never resumed: its retry reads the list anew.
 */
export async function openPullRun(
  db: Db,
  pull: { connectionId: string; full: boolean; parentRunId: string | null; jobId: string | null },
): Promise<{ run: SyncRun; checkpoint: PullCheckpoint; resumed: boolean }> {
  if (pull.jobId !== null) {
    const rows = await db.$queryRaw<SyncRun[]>`
      UPDATE sync_runs SET status = 'running', error = NULL, "finishedAt" = NULL
      WHERE id = (
        SELECT id FROM sync_runs
        WHERE kind = 'pull' AND "connectionId" = ${pull.connectionId} AND "jobId" = ${pull.jobId}
          AND status IN ('running', 'failed') AND NOT "listShifted" AND "full" = ${pull.full}
          AND "parentRunId" IS NOT DISTINCT FROM ${pull.parentRunId}::uuid
        ORDER BY "startedAt" DESC LIMIT 1)
      RETURNING *`;
    const run = rows[0];
    if (run) {
      return {
        run,
        resumed: true,
        checkpoint: { cursor: run.listCursor, total: run.listTotal, pages: run.listPages, shifted: false },
      };
    }
  }
  const run = await createRun(db, {
    kind: 'pull',
    connectionId: pull.connectionId,
    full: pull.full,
    parentRunId: pull.parentRunId,
  });
  if (pull.jobId !== null)
    await db.$executeRaw`UPDATE sync_runs SET "jobId" = ${pull.jobId} WHERE id = ${run.id}::uuid`;
  return { run, resumed: false, checkpoint: { cursor: null, total: null, pages: 0, shifted: false } };
}

/** Saves the checkpoint after a page; in the page's own transaction, so a page is never ingested twice. */
export async function saveCheckpoint(db: SqlDb, runId: string, cp: PullCheckpoint): Promise<void> {
  await db.$executeRaw`
    UPDATE sync_runs SET "listCursor" = ${cp.cursor}, "listTotal" = ${cp.total}::int, "listPages" = ${cp.pages}::int,
      "listShifted" = ${cp.shifted}
    WHERE id = ${runId}::uuid`;
}
