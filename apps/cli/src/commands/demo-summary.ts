import type { Io } from '../cli.ts';
import type { DemoOptions } from './demo.ts';

/** One sync of the demo, as its run counted it. */
export interface SyncCounts {
  runId: string;
  status: string;
  durationMs: number;
  pulled: number;
  changed: number;
  opsPlanned: number;
  opsApplied: number;
  opsFailed: number;
  conflicts: number;
  pullsFailed: number;
}

/** What a demo run prints at the end (and --json writes): both syncs, the ops, conflicts and quarantine. */
export interface DemoSummary {
  converged: boolean;
  contacts: number;
  seed: number;
  faults: string;
  services: { postgres: string; redis: string };
  providers: Record<string, { before: number; after: number }>;
  ops: Record<string, { create: number; update: number; delete: number; failed: number }>;
  conflicts: Record<string, number>;
  conflictsByStatus: Record<string, Record<string, number>>;
  quarantined: {
    total: number;
    byConnection: Record<string, number>;
    reasons: { connectionId: string; reason: string; count: number }[];
  };
  firstSync: SyncCounts;
  secondResync: SyncCounts & {
    writeCalls: number;
    requests: number;
    /** The first write calls of the second resync (there should be none). */
    writes: { provider: string; method: string; path: string; status: number }[];
  };
  divergences: number;
  /** The first linked records that differ from their canonical record (there should be none). */
  divergent: { connectionId: string; externalId: string; canonicalId: string }[];
  durationMs: number;
  adminUrl: string | null;
}

export function printSummary(s: DemoSummary, opts: DemoOptions, io: Io): void {
  // Human summary: stdout normally; stderr with --json, so stdout carries only the JSON line.
  const print = opts.json ? io.err : io.out;
  const table = (head: string[], rows: (string | number)[][]) => {
    const all = [head, ...rows.map((r) => r.map(String))];
    const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
    for (const r of all)
      print(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
  };
  print('');
  print(`contact-sync demo — ${s.converged ? 'CONVERGED' : 'NOT CONVERGED'} in ${(s.durationMs / 1000).toFixed(1)}s`);
  print(
    `  ${s.contacts} people, seed ${s.seed}, faults: ${s.faults}; Postgres: ${s.services.postgres}, Redis: ${s.services.redis}`,
  );
  print('');
  print('Contacts per provider, before → after:');
  table(
    ['provider', 'before', 'after', 'created', 'updated', 'deleted', 'failed'],
    Object.entries(s.providers).map(([k, v]) => {
      const o = s.ops[k] ?? { create: 0, update: 0, delete: 0, failed: 0 };
      return [k, v.before, v.after, o.create, o.update, o.delete, o.failed];
    }),
  );
  print('');
  const kinds = Object.entries(s.conflicts);
  print(`Conflicts raised${kinds.length === 0 ? ': none' : ' (kind, count, status):'}`);
  for (const [kind, n] of kinds) {
    const st = Object.entries(s.conflictsByStatus[kind] ?? {})
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    print(`  ${kind.padEnd(20)} ${String(n).padStart(6)}  (${st})`);
  }
  print('');
  print(`Quarantined records: ${s.quarantined.total}`);
  for (const r of s.quarantined.reasons.slice(0, 10))
    print(`  ${r.connectionId.padEnd(10)} ${String(r.count).padStart(5)}  ${r.reason}`);
  if (s.quarantined.reasons.length > 10) print(`  … ${s.quarantined.reasons.length - 10} more reasons`);
  print('');
  const f = s.firstSync;
  print(
    `Full sync:     ${(f.durationMs / 1000).toFixed(1)}s, pulled ${f.pulled}, changed ${f.changed}, ` +
      `ops planned ${f.opsPlanned}, applied ${f.opsApplied}, failed ${f.opsFailed}, conflicts ${f.conflicts}`,
  );
  const r = s.secondResync;
  print(
    `Second resync: ${(r.durationMs / 1000).toFixed(1)}s, pulled ${r.pulled}, ops planned ${r.opsPlanned}, ` +
      `write calls to the providers: ${r.writeCalls} (of ${r.requests} requests)`,
  );
  for (const w of r.writes) print(`  write: ${w.provider} ${w.method} ${w.path} → ${w.status}`);
  if (s.divergences > 0) print(`Divergent records after the resync: ${s.divergences}`);
  print('');
  print(
    s.adminUrl ? `Conflict review page: ${s.adminUrl}` : 'Conflict review page: unavailable (admin server not started)',
  );
  if (opts.json) io.out(JSON.stringify(s));
}
