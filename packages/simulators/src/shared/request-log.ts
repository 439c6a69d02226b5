import type { ProviderKey, RequestLogEntry } from '../types.ts';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWriteMethod(method: string): boolean {
  return WRITE_METHODS.has(method.toUpperCase());
}

/**
 * Every request the providers received. Counters stay exact even when old entries are
 * dropped to bound memory during long benchmarks.
 */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  private totals = new Map<ProviderKey, { requests: number; writes: number }>();

  private readonly maxEntries: number;

  constructor(maxEntries = 500_000) {
    this.maxEntries = maxEntries;
  }

  record(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full: RequestLogEntry = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries / 2);
    const t = this.totals.get(entry.provider) ?? { requests: 0, writes: 0 };
    t.requests++;
    if (entry.isWrite) t.writes++;
    this.totals.set(entry.provider, t);
    return full;
  }

  list(provider?: ProviderKey): RequestLogEntry[] {
    return provider ? this.entries.filter((e) => e.provider === provider) : [...this.entries];
  }

  requestCount(provider?: ProviderKey): number {
    return this.sum('requests', provider);
  }

  writeCount(provider?: ProviderKey): number {
    return this.sum('writes', provider);
  }

  clear(): void {
    this.entries = [];
    this.totals.clear();
  }

  private sum(field: 'requests' | 'writes', provider?: ProviderKey): number {
    if (provider) return this.totals.get(provider)?.[field] ?? 0;
    let n = 0;
    for (const t of this.totals.values()) n += t[field];
    return n;
  }
}
