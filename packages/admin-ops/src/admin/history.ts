import { normalizeEmail, normalizePhone } from '@contact-sync/core';
import { findPerson, holdersOfKey, ledgerOf, opsOfPerson, pruneLedger } from '@contact-sync/store';
import type { AdminContext } from '../context.ts';
import { isUuid } from './runs.ts';
import { AdminOpError } from './views.ts';

/** One event of a person's timeline: a ledger row (a canonical change) or a write to a provider. */
export type HistoryEvent =
  | {
      type: 'change';
      at: string;
      id: string;
      field: string;
      key: string | null;
      old: unknown;
      new: unknown;
      cause: unknown;
      runId: string | null;
    }
  | {
      type: 'write';
      at: string;
      id: string;
      connectionId: string;
      kind: string;
      externalId: string | null;
      changed: string[];
      status: string;
      attempts: number;
      lastError: string | null;
      runId: string | null;
    };

export interface PersonHistory {
  canonicalId: string;
  events: HistoryEvent[];
}

/**
 * The person a query names: a canonical id, an e-mail or a phone (as the canonical keys hold
 * them, normalized). A key two people hold is refused, naming both.
 */
export async function resolvePerson(res: AdminContext, query: string): Promise<string> {
  const q = query.trim();
  if (isUuid(q)) {
    const c = await findPerson(res.prisma, q);
    if (!c) throw new AdminOpError('not_found', `person ${q} not found`);
    return c.mergedIntoId ?? c.id;
  }
  const key = q.includes('@')
    ? { kind: 'email', value: normalizeEmail(q) }
    : { kind: 'phone', value: normalizePhone(q).value };
  const ids = await holdersOfKey(res.prisma, key);
  if (ids.length === 0) throw new AdminOpError('not_found', `no person holds the ${key.kind} ${key.value}`);
  if (ids.length > 1)
    throw new AdminOpError('conflict', `${ids.length} people hold the ${key.kind} ${key.value}: ${ids.join(', ')}`);
  return ids[0]!;
}

/** A person's timeline, newest first: canonical changes with their cause, and each provider's writes with their outcome. */
export async function personHistory(res: AdminContext, query: string, limit = 200): Promise<PersonHistory> {
  const canonicalId = await resolvePerson(res, query);
  const [ledger, ops] = await Promise.all([
    ledgerOf(res.prisma, canonicalId, limit),
    opsOfPerson(res.prisma, canonicalId, limit),
  ]);
  const events: HistoryEvent[] = [
    ...ledger.map(
      (e): HistoryEvent => ({
        type: 'change',
        at: e.at.toISOString(),
        id: e.id.toString(),
        field: e.field,
        key: e.key,
        old: e.old,
        new: e.new,
        cause: e.cause,
        runId: e.runId,
      }),
    ),
    ...ops.map(
      (o): HistoryEvent => ({
        type: 'write',
        // A write is placed where its outcome was known (or, unfinished, where it was planned).
        at: (o.completedAt ?? (o.status === 'pending' ? o.createdAt : o.updatedAt)).toISOString(),
        id: o.id,
        connectionId: o.connectionId,
        kind: o.kind,
        externalId: o.externalId,
        changed: o.changed,
        status: o.status,
        attempts: o.attempts,
        lastError: o.lastError,
        runId: o.runId,
      }),
    ),
  ];
  // Newest first; at one instant a write comes after the change that caused it.
  events.sort((a, b) => (a.at === b.at ? (a.type === b.type ? 0 : a.type === 'write' ? -1 : 1) : a.at < b.at ? 1 : -1));
  return { canonicalId, events: events.slice(0, limit) };
}

const AGE = /^(\d+)([dhm])$/;

/** Parses an age such as `90d`, `12h`, `30m`. */
export function parseAge(text: string): number {
  const m = AGE.exec(text.trim());
  if (!m) throw new AdminOpError('invalid', `olderThan: "${text}" is not an age like 90d, 12h or 30m`);
  const n = Number(m[1]);
  return n * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

/** Deletes ledger rows older than the age; returns how many and the cut-off. */
export async function pruneLedgerOlderThan(
  res: AdminContext,
  olderThan: string,
): Promise<{ deleted: number; before: string }> {
  const before = new Date(res.now().getTime() - parseAge(olderThan));
  return { deleted: await pruneLedger(res.prisma, before), before: before.toISOString() };
}
