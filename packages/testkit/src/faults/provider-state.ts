import { PROVIDER_KEYS } from '@contact-sync/connectors';
import type { ProviderKey, Sandbox } from '@contact-sync/simulators';

/** Provider states made comparable across runs: normalized records, diffs, e-mail counts, duplicates. */

/** The providers, from the connectors' registry. */
const PROVIDERS: readonly ProviderKey[] = PROVIDER_KEYS;

const DROP_KEY = /^(id|_id|created_at|updated_at|createdAt|updatedAt|dates|sdomain|count)$/;
const ID_MAP_KEY = /^[0-9A-Z-]{8,}$/;

/**
 * A provider's state without what differs between two runs that did the same thing:
 * ids, timestamps, and the order of records (maps keyed by ids become sorted lists).
 */
export function normalizeState(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeState).sort(byJson);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([k]) => ID_MAP_KEY.test(k)))
      return entries.map(([, x]) => normalizeState(x)).sort(byJson);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries.sort(([a], [b]) => (a < b ? -1 : 1)))
      if (!DROP_KEY.test(k)) out[k] = normalizeState(x);
    return out;
  }
  return v;
}
const byJson = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The records (people/contacts) of a provider's raw state, one entry per record. */
function recordsOf(provider: ProviderKey, state: unknown): unknown[] {
  const s = state as Record<string, unknown>;
  switch (provider) {
    case 'ilert':
      return s.users as unknown[];
    case 'churchpad':
      return s.results as unknown[];
    case 'nodeping':
      return Object.values(s).flatMap((contacts) => Object.values(contacts as object));
    case 'growcrm':
      return s.contacts as unknown[];
    case 'r-service':
      return s.people as unknown[];
  }
}

/** Each provider's records, normalized, as sorted JSON lines (comparable across runs). */
export type States = Record<ProviderKey, string[]>;

export function providerStates(sandbox: Sandbox): States {
  const out = {} as States;
  for (const p of PROVIDERS)
    out[p] = recordsOf(p, sandbox.state(p))
      .map((r) => JSON.stringify(normalizeState(r)))
      .sort();
  return out;
}

/** Records one run holds and the other does not, per provider (empty when the states are equal). */
export function stateDiff(
  expected: States,
  actual: States,
): { provider: ProviderKey; missing: string[]; extra: string[] }[] {
  const out: { provider: ProviderKey; missing: string[]; extra: string[] }[] = [];
  for (const p of PROVIDERS) {
    const rest = new Map<string, number>();
    for (const r of actual[p]) rest.set(r, (rest.get(r) ?? 0) + 1);
    const missing: string[] = [];
    for (const r of expected[p]) {
      const n = rest.get(r) ?? 0;
      if (n > 0) rest.set(r, n - 1);
      else missing.push(r);
    }
    const extra = [...rest].flatMap(([r, n]) => Array<string>(n).fill(r));
    if (missing.length || extra.length) out.push({ provider: p, missing, extra });
  }
  return out;
}

export const EMAIL = /[^\s"@<>(),;:]+@[^\s"@<>(),;:]+\.[a-z]{2,}/gi;

/** Per provider: email → how many records hold it (any case). */
function emailCounts(states: States): Record<ProviderKey, Map<string, number>> {
  const out = {} as Record<ProviderKey, Map<string, number>>;
  for (const p of PROVIDERS) {
    const m = new Map<string, number>();
    for (const r of states[p]) {
      // NodePing sub-accounts are separate address books: a copy in another one is not a duplicate.
      const scope = (JSON.parse(r) as { customer_id?: string }).customer_id;
      const emails = new Set((r.match(EMAIL) ?? []).map((e) => e.toLowerCase()));
      for (const e of emails) {
        const key = scope ? `${e} (${scope})` : e;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
    out[p] = m;
  }
  return out;
}

/**
 * Emails held by more records than in the reference run (the seed has a few deliberate
 * duplicates, so "twice" alone is not a fault; "more often than an undisturbed run" is).
 */
export function duplicates(reference: States, actual: States) {
  const ref = emailCounts(reference);
  const act = emailCounts(actual);
  const out: { provider: ProviderKey; email: string; count: number; reference: number }[] = [];
  for (const p of PROVIDERS)
    for (const [email, count] of act[p]) {
      const r = ref[p].get(email) ?? 0;
      if (count > Math.max(1, r)) out.push({ provider: p, email, count, reference: r });
    }
  return out;
}
