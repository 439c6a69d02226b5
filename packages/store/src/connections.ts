import type { Db } from './client.ts';
import { dbNow } from './runs.ts';

/** Registers a configured connection (never its credential) so runs and links can name it. */
export async function registerConnection(
  db: Db,
  c: { id: string; provider: string; credentialEnv: string; configHash: string },
): Promise<void> {
  const { id, ...rest } = c;
  await db.connection.upsert({ where: { id }, create: c, update: rest });
}

/**
 * A pull of the connection completed: its time (Postgres' clock), its run, the live records now
 * held, and the error of an earlier pull cleared.
 */
export async function recordPullCompleted(db: Db, connectionId: string, runId: string, full: boolean): Promise<void> {
  const at = await dbNow(db);
  const recordCount = await db.snapshotRecord.count({ where: { connectionId, goneAt: null } });
  await db.connection.update({
    where: { id: connectionId },
    data: {
      lastPullAt: at,
      ...(full ? { lastFullPullAt: at } : {}),
      lastPullRunId: runId,
      lastError: null,
      recordCount,
    },
  });
}

/** A pull of the connection failed: its message is what `status` shows until a pull completes. */
export async function recordPullFailed(db: Db, connectionId: string, message: string): Promise<void> {
  await db.connection.update({ where: { id: connectionId }, data: { lastError: message } });
}
