import type { Db } from './client.ts';

/**
 * The credential pause as Postgres holds it: the status (401/403) that paused the connection, or
 * null. Redis holds the live copy the budget checks per request; this one outlives a worker
 * restart and a Redis flush, so a paused connection stays paused until a probe succeeds or
 * `contact-sync connections resume`.
 */
export async function loadCredentialPause(db: Db, connectionId: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ status: number | null }[]>`
    SELECT "credentialPausedStatus" AS status FROM connections WHERE id = ${connectionId}`;
  return rows[0]?.status ?? null;
}

/** Records (status) or lifts (null) the pause; the time is the first rejection's. */
export async function saveCredentialPause(db: Db, connectionId: string, status: number | null): Promise<void> {
  await db.$executeRaw`
    UPDATE connections SET "credentialPausedStatus" = ${status}::int,
      "credentialPausedAt" = CASE WHEN ${status}::int IS NULL THEN NULL ELSE COALESCE("credentialPausedAt", now()) END
    WHERE id = ${connectionId}`;
}
