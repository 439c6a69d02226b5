import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { Db } from './client.ts';

/** Advisory-lock namespace (the first key) of worker leases. */
export const LEASE_NS = 0x4353_5701;

/**
 * A worker process's lease: a session advisory lock on a connection of its own. Postgres
 * releases it the moment that connection dies (SIGKILL, power loss), so "is the worker that
 * claimed this op still there" is one look at `pg_locks`, with no clock and no heartbeat.
 * A lost connection is reopened and the same lease taken again.
 */
export interface WorkerLease {
  id: number;
  close(): Promise<void>;
}

export async function takeWorkerLease(databaseUrl: string, onError?: (err: Error) => void): Promise<WorkerLease> {
  let closed = false;
  let client: pg.Client | null = null;
  let retaking = false;
  let id = 0;
  const connect = async (wanted: number | null): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl, application_name: 'contact-sync worker lease' });
    c.on('error', (err) => {
      if (client !== c) return;
      onError?.(err);
      client = null;
      void retake();
    });
    try {
      await c.connect();
      for (;;) {
        const candidate = wanted ?? randomInt(1, 2 ** 31 - 1);
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [
          LEASE_NS,
          candidate,
        ]);
        if (r.rows[0]?.ok) {
          id = candidate;
          break;
        }
        // Our own earlier session may not be gone yet: the caller tries again.
        if (wanted !== null) throw new Error(`worker lease ${wanted} is still held`);
      }
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
  };
  /** One loop at a time takes the same lease again after its connection was lost. */
  const retake = async (): Promise<void> => {
    if (retaking) return;
    retaking = true;
    try {
      for (let delay = 200; !closed && !client; delay = Math.min(delay * 2, 5000)) {
        await new Promise((r) => setTimeout(r, delay).unref());
        if (closed) return;
        try {
          await connect(id);
        } catch (err) {
          onError?.(err as Error);
        }
      }
    } finally {
      retaking = false;
    }
  };
  await connect(null);
  return {
    get id() {
      return id;
    },
    close: async () => {
      closed = true;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

/** The ops that `reclaimOrphanedOps` put back, for enqueueing. */
export interface ReclaimedOp {
  id: string;
  connectionId: string;
  kind: string;
  idempotencyKey: string;
  generation: number;
}

/**
 * Puts back in-flight ops whose worker is gone (no live lease holds their `claimedBy`): pending
 * again, with a new generation, so their new job is not the old one still locked by the dead
 * worker in Redis (that one, when BullMQ hands it over, finds its generation stale and stops).
 * A retried create looks before it writes (attempts > 1), so one that landed is adopted.
 */
export async function reclaimOrphanedOps(db: Db): Promise<ReclaimedOp[]> {
  return db.$queryRaw<ReclaimedOp[]>`
    UPDATE outbox_ops o SET status = 'pending', generation = o.generation + 1, "claimedBy" = NULL, "updatedAt" = now()
    WHERE o.status = 'in_flight' AND NOT EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ${LEASE_NS}::int::oid AND l.objsubid = 2
        AND l.objid = o."claimedBy"::oid)
    RETURNING id, "connectionId", kind, "idempotencyKey", generation`;
}
