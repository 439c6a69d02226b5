import { capabilitiesFor } from '@contact-sync/connectors';
import type { ConnectionPolicy, ReconcileContext } from '@contact-sync/core';
import type { Config } from './config.ts';

/** The core's view of the configured connections: capabilities and policies, no I/O. */
export function policiesContext(config: Config, now: Date): ReconcileContext {
  const connections: ConnectionPolicy[] = config.connections.map((c) => ({
    id: c.id,
    capabilities: capabilitiesFor(c.provider),
    direction: c.direction,
    createPolicy: c.createPolicy,
    deletePolicy: c.deletePolicy,
  }));
  return { connections, conflictPolicy: config.conflictPolicy, now: now.toISOString() };
}
