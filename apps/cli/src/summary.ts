import type { ProviderKey, Sandbox } from '@contact-sync/simulators';
import { conflictCountsByStatus, type Db, opCountsByStatus, quarantineRows } from '@contact-sync/store';

/** Contacts each simulator holds right now, as its connection sees them. */
export function providerCounts(sandbox: Sandbox): Record<ProviderKey, number> {
  const sim = sandbox.sim;
  const nodepingAccount = String(sandbox.providers.nodeping.options.customerId ?? '');
  return {
    ilert: sim.ilert.userCount(),
    churchpad: sim.churchpad.count(),
    nodeping: nodepingAccount ? sim.nodeping.count(nodepingAccount) : sim.nodeping.count(),
    growcrm: sim.growcrm.count(),
    'r-service': sim['r-service'].count(),
  };
}

export interface OpCounts {
  create: number;
  update: number;
  delete: number;
  failed: number;
}

/** Applied ops per connection and kind, and failed ones (all kinds), from the outbox. */
export async function opCounts(prisma: Db, connectionIds: string[]): Promise<Record<string, OpCounts>> {
  const rows = await opCountsByStatus(prisma);
  const out: Record<string, OpCounts> = {};
  for (const id of connectionIds) out[id] = { create: 0, update: 0, delete: 0, failed: 0 };
  for (const r of rows) {
    out[r.connectionId] ??= { create: 0, update: 0, delete: 0, failed: 0 };
    const c = out[r.connectionId]!;
    if (r.status === 'failed') c.failed += r.n;
    else if (r.status === 'done' && (r.kind === 'create' || r.kind === 'update' || r.kind === 'delete'))
      c[r.kind] += r.n;
  }
  return out;
}

/** Conflicts raised, per kind, and per kind and status. */
export async function conflictCounts(prisma: Db) {
  const rows = await conflictCountsByStatus(prisma);
  const byKind: Record<string, number> = {};
  const byStatus: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + r.n;
    byStatus[r.kind] = { ...byStatus[r.kind], [r.status]: r.n };
  }
  return { byKind, byStatus };
}

/**
 * Quarantined records (each once): total, per connection, and the reasons (the validation error with
 * record-specific values cut off, so the same rule groups together), most frequent first.
 */
export async function quarantineSummary(prisma: Db) {
  const all = await quarantineRows(prisma);
  // A record quarantined again with a new payload or error has several rows: count it once (its latest).
  const seen = new Set<string>();
  const rows = all.filter((r) => {
    if (r.externalId === null) return true;
    const key = `${r.connectionId}\u0000${r.externalId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const byConnection: Record<string, number> = {};
  const reasons = new Map<string, { connectionId: string; reason: string; count: number }>();
  for (const r of rows) {
    byConnection[r.connectionId] = (byConnection[r.connectionId] ?? 0) + 1;
    const reason = reasonOf(r.error);
    const key = `${r.connectionId}\u0000${reason}`;
    const entry = reasons.get(key) ?? { connectionId: r.connectionId, reason, count: 0 };
    entry.count++;
    reasons.set(key, entry);
  }
  return {
    total: rows.length,
    byConnection,
    reasons: [...reasons.values()].sort((a, b) => b.count - a.count || a.connectionId.localeCompare(b.connectionId)),
  };
}

/** A validation message without the offending value: `emails[0].value: Invalid email "x@"` → `emails[0].value: Invalid email`. */
export function reasonOf(error: string): string {
  return error
    .split('\n')[0]!
    .replace(/"[^"]*"/g, '…')
    .replace(/\b\d{3,}\b/g, 'N')
    .slice(0, 160);
}
