/**
 * Bench phase "realistic limits": one full initial sync (pull, reconcile, push) of N people
 * against simulators that enforce the providers' documented limits, scaled in time (`timeScale`,
 * 60 by default: a documented minute lasts a second), with the engine's default budget per
 * connection scaled the same way. Reports per provider the requests, the 429s received, the list
 * pages read more than once, and the time the provider was busy against the budget's floor
 * (requests ÷ allowed rate). `npm run bench -- --sizes none --realistic 2000`.
 */

import { capabilitiesFor } from '@contact-sync/connectors';
import { applyMigrations, createDatabase, dropDatabase } from '@contact-sync/services';
import type { ProviderKey, RequestLogEntry } from '@contact-sync/simulators';
import { pullRunsOf } from '@contact-sync/store';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { startStack } from '@contact-sync/testkit/stack';
import { PROVIDERS } from './model.ts';

interface RealisticProvider {
  /** HTTP requests the provider answered (every kind, 429s included). */
  requests: number;
  /** Of those, the ones the connection's budget counted as a pull's and as a push's. */
  pullRequests: number;
  pushRequests: number;
  refused429: number;
  /** List pages (by their query) answered more than once in the sync, and the list pages in all. */
  pagesReRead: number;
  listPages: number;
  /** First to last request the provider saw (scaled ms). */
  busyMs: number;
  /** The pull alone: its run's duration, and the floor of its requests at the budget (scaled ms). */
  pullMs: number;
  pullFloorMs: number;
  /** The budget's floor: the longest of requests ÷ max × window over its windows (scaled ms). */
  floorMs: number;
  /** The budget the connection ran with (scaled windows). */
  budget: { max: number; durationMs: number }[];
  /** Whether the provider documents a limit (else the budget is the tests' 500 a second, and the simulator enforces none). */
  documented: boolean;
}

export interface RealisticResult {
  people: number;
  seed: number;
  timeScale: number;
  generatedAt: string;
  /** The whole sync, start of the resync to every op pushed (scaled ms). */
  wallMs: number;
  complete: boolean;
  byProvider: Record<string, RealisticProvider>;
}

/** The list requests of each provider (what a pull and a scan by natural key read). */
const LIST: Record<ProviderKey, RegExp> = {
  churchpad: /\/contacts\?/,
  growcrm: /\/contacts\?/,
  nodeping: /\/contacts(\?|$)/,
  ilert: /\/users\?/,
  'r-service': /\/people\?/,
};
/** A list request's page key (its path and query); null for any other request, a search by key included. */
const listKey = (provider: ProviderKey, r: RequestLogEntry): string | null =>
  r.effectiveMethod === 'GET' && r.status === 200 && LIST[provider].test(r.path) && !/[?&]search=/.test(r.path)
    ? r.path
    : null;

export const floorMs = (requests: number, windows: readonly { max: number; durationMs: number }[]): number =>
  Math.round(Math.max(0, ...windows.map((w) => (requests / w.max) * w.durationMs)));

export async function runRealistic(o: {
  people: number;
  seed: number;
  adminUrl: string;
  redisUrl: string;
  timeScale?: number;
  log?: (m: string) => void;
  timeoutMs?: number;
}): Promise<RealisticResult> {
  const log = o.log ?? (() => {});
  const timeScale = o.timeScale ?? DEFAULT_TEST_TIME_SCALE;
  const dbName = `bench_realistic_${o.people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(o.adminUrl, dbName);
  await applyMigrations(databaseUrl);
  try {
    // The simulators in this process, limits enforced (the default), scaled; the budgets follow timeScale.
    const stack = await startStack({
      databaseUrl,
      redisUrl: o.redisUrl,
      prefix: `bench:${dbName}`,
      sandboxOptions: { seed: o.seed, contacts: o.people, timeScale, faults: 'none' },
    });
    try {
      stack.sandbox.clearRequests();
      const t0 = performance.now();
      const p = await stack.sync({ timeoutMs: o.timeoutMs ?? 30 * 60_000 });
      const wallMs = Math.round(performance.now() - t0);
      const byProvider: Record<string, RealisticProvider> = {};
      for (const provider of PROVIDERS as readonly ProviderKey[]) {
        const log = stack.sandbox.requests(provider);
        const pages = new Map<string, number>();
        for (const r of log) {
          const key = listKey(provider, r);
          if (key !== null) pages.set(key, (pages.get(key) ?? 0) + 1);
        }
        const budget = stack.res.budgets.get(provider);
        const status = budget ? await budget.status() : null;
        const windows = budget ? [...budget.windows] : [];
        const pulls = await pullRunsOf(stack.res.prisma, provider);
        const pullMs = pulls.reduce(
          (sum, r) => sum + ((r.finishedAt?.getTime() ?? r.startedAt.getTime()) - r.startedAt.getTime()),
          0,
        );
        byProvider[provider] = {
          requests: log.length,
          pullRequests: status?.byKind?.pull ?? 0,
          pushRequests: status?.byKind?.push ?? 0,
          refused429: log.filter((r) => r.status === 429).length,
          pagesReRead: [...pages.values()].filter((n) => n > 1).length,
          listPages: [...pages.values()].reduce((a, b) => a + b, 0),
          busyMs: log.length > 1 ? Math.round(log.at(-1)!.time - log[0]!.time) : 0,
          floorMs: floorMs(log.length, windows),
          pullMs,
          pullFloorMs: floorMs(status?.byKind?.pull ?? 0, windows),
          budget: windows,
          documented: (capabilitiesFor(provider).requestBudget ?? []).length > 0,
        };
      }
      const out: RealisticResult = {
        people: o.people,
        seed: o.seed,
        timeScale,
        generatedAt: new Date().toISOString(),
        wallMs,
        complete: p.complete,
        byProvider,
      };
      log(`  realistic ${o.people}: ${JSON.stringify(out)}`);
      return out;
    } finally {
      await stack.close();
    }
  } finally {
    await dropDatabase(o.adminUrl, dbName);
  }
}

const n = (v: number) => v.toLocaleString('en-US');
const s = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

/** The README table of the phase. */
export function realisticTable(r: RealisticResult): string {
  const unit =
    r.timeScale === 1 ? '' : ` (scaled ×${r.timeScale}: a documented minute lasts ${s(60_000 / r.timeScale)})`;
  const windows = (p: RealisticProvider) =>
    `${p.budget.map((w) => `${n(w.max)}/${s(w.durationMs)}`).join(' + ')}${p.documented ? '' : ' (none documented)'}`;
  const rows = Object.entries(r.byProvider).map(
    ([provider, p]) =>
      `| ${provider} | ${windows(p)} | ${n(p.requests)} | ${n(p.pullRequests)} / ${n(p.pushRequests)} | ${p.refused429} | ${p.pagesReRead} of ${n(p.listPages)} | ${s(p.pullMs)} / ${s(p.pullFloorMs)} (${ratio(p.pullMs, p.pullFloorMs)}) | ${s(p.busyMs)} / ${s(p.floorMs)} (${ratio(p.busyMs, p.floorMs)}) |`,
  );
  return [
    `Realistic limits: ${n(r.people)} people, one full initial sync against the documented limits${unit}, seed ${r.seed}; ${r.complete ? 'complete' : 'NOT complete'} in ${s(r.wallMs)}; measured ${r.generatedAt}.`,
    '',
    '| provider | budget (scaled) | requests | pull / push | 429s | pages re-read | pull: time / floor | all: busy / floor |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Floor: requests ÷ the budget\'s allowed rate (the longest of requests ÷ max × window over its windows). "pull" is the',
    'pull run alone; "all" runs from the first request to the last, pushes included, and waits on reconcile and the',
    'engine between them, so where no limit is documented (a budget of 500 a second) it measures the engine, not the',
    'budget. The floor is the steady rate: a window that starts empty lets a burst of up to its max through at once, so a',
    "pull smaller than a window (R-Service's 3,600 an hour) can finish under it. Pull / push split from the budget's",
    "counters; 429s and pages from the simulators' request logs.",
  ].join('\n');
}
