import { type Canonical, emptyCanonical } from '../canonical.ts';
import type { CapabilityDescriptor } from '../capabilities.ts';
import type { ConflictPolicy } from '../policies.ts';
import type { ConnectionPolicy, ReconcileContext } from '../types.ts';

export const conn = (
  id: string,
  capabilities: CapabilityDescriptor,
  over: Partial<Omit<ConnectionPolicy, 'id' | 'capabilities'>> = {},
): ConnectionPolicy => ({
  id,
  capabilities,
  direction: 'both',
  createPolicy: 'create',
  deletePolicy: 'propagate',
  ...over,
});

export const ctxOf = (
  connections: ConnectionPolicy[],
  conflictPolicy: ConflictPolicy = { kind: 'priority', order: connections.map((c) => c.id) },
): ReconcileContext => ({ connections, conflictPolicy, now: '2025-01-01T00:00:00.000Z' });

export const canonicalOf = (p: Partial<Canonical>): Canonical => ({ ...emptyCanonical(), ...p });

export const email = (value: string, label: string | null = null) => ({ value, label });
export const phone = (value: string, label: string | null = null) => ({ value, label });
