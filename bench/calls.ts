/** Counting a sandbox's request log: reads, writes, list pages, writes by kind (used in the bench process or the sandbox child). */
import type { Sandbox } from '@contact-sync/simulators';
import { PROVIDERS } from './model.ts';

export interface CallCounts {
  readCalls: number;
  writeCalls: number;
  byProvider: Record<string, { reads: number; writes: number; failedWrites: number }>;
  /** Reads that are list pages (GET of a collection), the rest are per-record GETs. */
  listPages: number;
}

/** A page of a collection: the records themselves, or a record's sub-collection (ilert and R-Service list contact methods per person). */
const isListPath = (provider: string, path: string) => {
  const p = path.split('?')[0]!;
  if (provider === 'ilert') return /\/users$|\/users\/[^/]+\/contacts\/(emails|phone-numbers)$/.test(p);
  if (provider === 'r-service') return /\/people$|\/people\/[^/]+\/contacts$/.test(p);
  return /\/contacts$/.test(p);
};

/** Writes grouped by provider, method and path with ids elided. */
export function writeKinds(sandbox: Sandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of sandbox.requests()) {
    if (!r.isWrite) continue;
    const path = r.path
      .split('?')[0]!
      .split('/')
      .map((s) => (/\d|^[A-Z0-9-]{6,}$/.test(s) ? ':id' : s))
      .join('/');
    const k = `${r.effectiveMethod} ${path} ${r.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function countCalls(sandbox: Sandbox): CallCounts {
  const byProvider: CallCounts['byProvider'] = Object.fromEntries(
    PROVIDERS.map((p) => [p, { reads: 0, writes: 0, failedWrites: 0 }]),
  );
  let listPages = 0;
  for (const r of sandbox.requests()) {
    const b = byProvider[r.provider]!;
    if (r.isWrite) {
      b.writes++;
      if (r.status < 200 || r.status >= 300) b.failedWrites++;
    } else {
      b.reads++;
      if (isListPath(r.provider, r.path)) listPages++;
    }
  }
  const readCalls = Object.values(byProvider).reduce((a, b) => a + b.reads, 0);
  const writeCalls = Object.values(byProvider).reduce((a, b) => a + b.writes, 0);
  // The log drops old entries past 500k; writeCount stays exact.
  return { readCalls, writeCalls: Math.max(writeCalls, sandbox.writeCount()), byProvider, listPages };
}

/**
 * A sync's wall in four spans: until its last pull ended (`pullsEndedAt`, from the store; without it,
 * the last read before any write), from there to the first write request (reconcile: matching and
 * planning, no write goes out), the writes (pushes, with the revisits that plan them), and after the
 * last write until the sync was seen complete. Times are epoch ms of this machine's clock.
 */
export interface RequestTimeline {
  pullsMs: number;
  untilFirstWriteMs: number;
  writesMs: number;
  afterLastWriteMs: number;
}

export function requestTimeline(
  requests: readonly { time: number; isWrite: boolean }[],
  startedAt: number,
  endedAt: number,
  pullsEndedAt: number | null = null,
): RequestTimeline {
  let lastRead = startedAt;
  let firstWrite = Number.POSITIVE_INFINITY;
  let lastWrite = Number.NEGATIVE_INFINITY;
  for (const r of requests) {
    if (r.isWrite) {
      firstWrite = Math.min(firstWrite, r.time);
      lastWrite = Math.max(lastWrite, r.time);
    } else if (r.time < firstWrite) lastRead = Math.max(lastRead, r.time);
  }
  const pullsEnd = pullsEndedAt ?? lastRead;
  if (!Number.isFinite(firstWrite)) firstWrite = lastWrite = pullsEnd;
  return {
    pullsMs: pullsEnd - startedAt,
    untilFirstWriteMs: firstWrite - pullsEnd,
    writesMs: lastWrite - firstWrite,
    afterLastWriteMs: endedAt - lastWrite,
  };
}
