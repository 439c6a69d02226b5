import { type Connector, createConnector } from '@contact-sync/connectors';
import { contentHash, sha256 } from '@contact-sync/core';
import { type Config, credentialOf } from '@contact-sync/engine/config';
import type { Resources } from '@contact-sync/engine/resources';
import type { SnapshotInput } from '@contact-sync/store';

/** What one connection's pull listed, held in memory (a plan writes no snapshot row of its own). */
export interface PulledConnection {
  connectionId: string;
  records: SnapshotInput[];
  invalid: { externalId: string | null; raw: unknown; error: string }[];
}

/**
 * The connector of each connection of `config`: the running one's where the connection is
 * configured the same, else a new one (a changed config's new or edited connection), whose
 * credential is read from `env` now.
 */
export function connectorsFor(res: Resources, config: Config, env: NodeJS.ProcessEnv): Map<string, Connector> {
  const out = new Map<string, Connector>();
  for (const conn of config.connections) {
    const running = res.connections.get(conn.id);
    if (running && JSON.stringify(running.config) === JSON.stringify(conn)) {
      out.set(conn.id, running.connector);
      continue;
    }
    out.set(
      conn.id,
      createConnector(conn.provider, {
        ...(res.budgets.get(conn.id) ? { gate: res.budgets.get(conn.id)! } : {}),
        signal: res.shutdown.signal,
        baseUrl: conn.baseUrl,
        credential: credentialOf(conn, env),
        timeoutMs: conn.timeout,
        options: conn.options,
      }),
    );
  }
  return out;
}

/** Lists each connection whole, into memory: the only provider calls a plan makes are reads. */
export async function pullInMemory(connectors: Map<string, Connector>, ids: string[]): Promise<PulledConnection[]> {
  return Promise.all(
    ids.map(async (connectionId) => {
      const out: PulledConnection = { connectionId, records: [], invalid: [] };
      for await (const page of connectors.get(connectionId)!.list()) {
        for (const item of page) {
          if (item.kind === 'invalid') out.invalid.push(item);
          else
            out.records.push({
              externalId: item.record.externalId,
              raw: item.record.raw,
              projection: item.record.projection,
              extras: item.record.extras,
              contentHash: contentHash(item.record.projection),
              remoteUpdatedAt: item.record.updatedAt,
            });
        }
      }
      return out;
    }),
  );
}

/** sha256 of what the pulls listed: every (connection, id, content hash), and the invalid items. */
export function snapshotHash(pulled: PulledConnection[], full: boolean): string {
  const lines: string[] = [`full=${full}`];
  for (const p of pulled) {
    for (const r of p.records) lines.push(`${p.connectionId}\t${r.externalId}\t${r.contentHash}`);
    for (const r of p.invalid) lines.push(`${p.connectionId}\t${r.externalId ?? ''}\tinvalid\t${r.error}`);
  }
  return sha256(lines.sort().join('\n'));
}
