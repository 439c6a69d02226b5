/** Results: the JSON shape, its check, the README tables and the SVG plot. */
import os from 'node:os';
import type { RequestTimeline } from './calls.ts';
import type { PullOnlyResult, SizeResult } from './measure.ts';
import { PROVIDERS, PUSH_CONCURRENCY } from './model.ts';
import type { RealisticResult } from './realistic.ts';
import type { TwoProviderResult } from './two-provider.ts';

// ---------------------------------------------------------------------------------------------
// Results.

export interface BenchResults {
  generatedAt: string;
  machine: { cores: number; memoryGb: number; node: string; cpu: string };
  notes: string[];
  sizes: SizeResult[];
  mergeCore: { plansPerSec: number; scenarios: Record<string, number>; contacts: number };
  reconcile: { contactsPerSec: number; people: number };
  httpCeiling: { wallMs: number; requests: number; people: number; syncWallMs: number; ratio: number };
  /** Pull-only full resyncs (no push), for sizes the whole sync does not fit: `--pull-only SIZES`. */
  pullOnly?: PullOnlyResult[];
  /** Set when the pull-only runs were measured later than the full sizes (`--sizes none`). */
  pullOnlyGeneratedAt?: string;
  /** The phase "realistic limits" (`--realistic N`, bench/realistic.ts). */
  realistic?: RealisticResult;
  /** The two-provider phase (ChurchPad → NodePing, both ways): `--two-provider SIZES`. */
  twoProvider?: TwoProviderResult[];
  /** Set when the two-provider runs were measured later than the full sizes (`--sizes none`). */
  twoProviderGeneratedAt?: string;
}

export const machine = (): BenchResults['machine'] => ({
  cores: os.cpus().length,
  memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
});

/** The fields the issue requires; returns one line per missing or mistyped field. */
export function checkShape(r: unknown): string[] {
  const errs: string[] = [];
  const num = (v: unknown, path: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) errs.push(`${path}: expected a number, got ${JSON.stringify(v)}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errs.push(`${path}: expected an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const root = obj(r, '(root)');
  const m = obj(root.machine, 'machine');
  num(m.cores, 'machine.cores');
  num(m.memoryGb, 'machine.memoryGb');
  if (typeof m.node !== 'string') errs.push('machine.node: expected a string');
  if (!Array.isArray(root.sizes) || root.sizes.length === 0) errs.push('sizes: expected a non-empty array');
  else
    root.sizes.forEach((s, i) => {
      const size = obj(s, `sizes[${i}]`);
      num(size.people, `sizes[${i}].people`);
      const ini = obj(size.initial, `sizes[${i}].initial`);
      for (const k of ['wallMs', 'peakRssMb', 'readCalls', 'writeCalls', 'minWriteCalls'])
        num(ini[k], `sizes[${i}].initial.${k}`);
      const noop = obj(size.noop, `sizes[${i}].noop`);
      for (const k of ['wallMs', 'readCalls', 'writeCalls']) num(noop[k], `sizes[${i}].noop.${k}`);
      const inc = obj(size.incremental, `sizes[${i}].incremental`);
      for (const k of ['wallMs', 'writeCalls', 'minWriteCalls']) num(inc[k], `sizes[${i}].incremental.${k}`);
    });
  num(obj(root.mergeCore, 'mergeCore').plansPerSec, 'mergeCore.plansPerSec');
  num(obj(root.reconcile, 'reconcile').contactsPerSec, 'reconcile.contactsPerSec');
  const hc = obj(root.httpCeiling, 'httpCeiling');
  num(hc.wallMs, 'httpCeiling.wallMs');
  num(hc.requests, 'httpCeiling.requests');
  return errs;
}

export function assembleResults(o: {
  sizes: SizeResult[];
  pullOnly?: PullOnlyResult[];
  twoProvider?: TwoProviderResult[];
  coreScenarios: Record<string, number>;
  coreContacts: number;
  seed: number;
  servicesSource: string;
}): BenchResults {
  const largest = o.sizes.at(-1)!;
  return {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    notes: [
      'One process runs the bench, the five simulators (all their state in memory) and the worker; peakRssMb is that whole process, sampled every 20 ms.',
      'postgresMs is pg_stat_database.active_time of the size’s own database over the phase (time backends spent executing statements, summed over connections, so it can exceed wall time), read after the phase’s connections closed.',
      'minWriteCalls is computed from the seeded ground truth by bench/lib.ts minWriteCalls (see bench/README.md for the model and its limits).',
      `Services: ${o.servicesSource}. Seed ${o.seed}. No faults, no rate limits, push concurrency ${PUSH_CONCURRENCY} per connection.`,
    ],
    sizes: o.sizes,
    ...(o.pullOnly?.length ? { pullOnly: o.pullOnly } : {}),
    ...(o.twoProvider?.length ? { twoProvider: o.twoProvider } : {}),
    mergeCore: {
      plansPerSec: o.coreScenarios['edits-10pct'] ?? Math.min(...Object.values(o.coreScenarios)),
      scenarios: o.coreScenarios,
      contacts: o.coreContacts,
    },
    reconcile: { contactsPerSec: largest.reconcile.contactsPerSec, people: largest.people },
    httpCeiling: {
      wallMs: largest.httpCeiling.wallMs,
      requests: largest.httpCeiling.requests,
      people: largest.people,
      syncWallMs: largest.initial.wallMs,
      ratio: largest.httpCeiling.ratio,
    },
  };
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

const sec = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1));
/** A sync's request timeline (`requestTimeline`) as its four spans in seconds. */
const spans = (t: RequestTimeline | undefined) =>
  t ? [t.pullsMs, t.untilFirstWriteMs, t.writesMs, t.afterLastWriteMs].map(sec).join(' · ') : '—';

export function markdownTable(r: BenchResults): string {
  const rows = [
    '**Initial full sync** (empty store → converged)',
    '',
    '| people | wall (s) | pulls · until 1st write · writes · after (s) | process CPU (s) | load avg | peak RSS (MB) | RSS before (MB) | live heap, peak (MB) | Postgres active (s) | rows read by seq scans | reads | list pages | writes | min writes | failed writes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes) {
    const i = s.initial;
    rows.push(
      `| ${fmt(s.people)} | ${sec(i.wallMs)} | ${spans(i.timeline)} | ${sec(i.cpuMs)} | ${i.loadAvg1m ?? '—'} | ${i.peakRssMb} | ${s.baselineRssMb} | ${i.peakLiveHeapMb ?? '—'} | ${sec(i.postgresMs)} | ${fmt(i.postgresSeqRowsRead)} | ${fmt(i.readCalls)} | ${fmt(i.listPages)} | ${fmt(i.writeCalls)} | ${fmt(i.minWriteCalls)} | ${fmt(i.failedWriteCalls)} |`,
    );
  }
  rows.push(
    '',
    '**No-op full resync, incremental (1% edited), reconcile alone, raw HTTP ceiling**',
    '',
    '| people | no-op wall (s) | no-op peak RSS (MB) | no-op reads | no-op list pages | no-op writes | no-op read ceiling (s) | no-op / ceiling | edits | incr. wall (s) | incr. writes | incr. min writes | reconcile from Postgres (contacts/s) | HTTP ceiling: requests | ceiling wall (s) | initial sync / ceiling |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of r.sizes)
    rows.push(
      `| ${fmt(s.people)} | ${sec(s.noop.wallMs)} | ${s.noop.peakRssMb ?? '—'} | ${fmt(s.noop.readCalls)} | ${fmt(s.noop.listPages)} | ${fmt(s.noop.writeCalls)} | ${s.noop.ceiling ? sec(s.noop.ceiling.wallMs) : '—'} | ${s.noop.ceiling ? `${s.noop.ceiling.ratio}×` : '—'} | ${fmt(s.incremental.edits)} | ${sec(s.incremental.wallMs)} | ${fmt(s.incremental.writeCalls)} | ${fmt(s.incremental.minWriteCalls)} | ${fmt(s.reconcile.contactsPerSec)} | ${fmt(s.httpCeiling.requests)} | ${sec(s.httpCeiling.wallMs)} | ${s.httpCeiling.ratio}× |`,
    );
  if (r.sizes.some((s) => s.steadyNoop)) rows.push('', steadyNoopTable(r.sizes));
  if (r.sizes.some((s) => s.initial.engine)) rows.push('', engineTable(r.sizes));
  if (r.sizes.some((s) => s.initial.cpu)) rows.push('', cpuTable(r.sizes));
  return rows.join('\n');
}

/** The second no-op resync (nothing new to list), against its own reads. */
function steadyNoopTable(sizes: SizeResult[]): string {
  const rows = [
    '**Steady no-op full resync** (a second full resync right after the no-op: nothing left to list for the first time)',
    '',
    '| people | wall (s) | reads | writes | worker CPU (s) | Postgres active (s) | read ceiling (s) | steady no-op / ceiling |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of sizes) {
    const n = s.steadyNoop;
    if (!n) continue;
    rows.push(
      `| ${fmt(s.people)} | ${sec(n.wallMs)} | ${fmt(n.readCalls)} | ${fmt(n.writeCalls)} | ${sec(n.cpu?.workerMs)} | ${sec(n.postgresMs)} | ${sec(n.ceiling.wallMs)} | ${n.ceiling.ratio}× |`,
    );
  }
  return rows.join('\n');
}

/** Where the CPU went in the initial sync and the no-op, against the ceilings: was a core idle? */
function cpuTable(sizes: SizeResult[]): string {
  const share = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 100)}%`);
  const rows = [
    "**CPU** (seconds of CPU time: the worker's process, the simulators' process, Postgres' active time; the whole machine's busy time and its share of the cores over the phase; the same for the ceiling's replay, simulators and loop in one process)",
    '',
    '| people | initial: worker | simulators | Postgres | machine | share | ceiling: machine | share | no-op: worker | simulators | Postgres | machine | share | no-op ceiling: machine | share |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of sizes) {
    const i = s.initial.cpu;
    const n = s.noop.cpu;
    const c = s.httpCeiling;
    const nc = s.noop.ceiling;
    rows.push(
      `| ${fmt(s.people)} | ${sec(i?.workerMs)} | ${sec(i?.simulatorsMs)} | ${sec(i?.postgresMs)} | ${sec(i?.machineMs)} | ${share(i?.machineShare)} | ${sec(c.machineCpuMs)} | ${share(c.machineShare)} | ${sec(n?.workerMs)} | ${sec(n?.simulatorsMs)} | ${sec(n?.postgresMs)} | ${sec(n?.machineMs)} | ${share(n?.machineShare)} | ${sec(nc?.machineCpuMs)} | ${share(nc?.machineShare)} |`,
    );
  }
  return rows.join('\n');
}

/** Postgres round trips and queue jobs per phase, per provider write (each applied op is at least one). */
function engineTable(sizes: SizeResult[]): string {
  const rows = [
    "**Engine traffic** (statements the worker sent to Postgres, each a round trip, BEGIN/COMMIT included, not the harness's progress reads; queue jobs it added; per provider write)",
    '',
    '| people | initial: Postgres statements | per write | queue jobs | per write | no-op: Postgres statements | queue jobs | incr.: statements per write | jobs per write | reconcile alone: statements | per row |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of sizes) {
    const i = s.initial.engine;
    const n = s.noop.engine;
    const c = s.incremental.engine;
    rows.push(
      `| ${fmt(s.people)} | ${fmt(i?.postgresStatements)} | ${i?.postgresStatementsPerWrite ?? '—'} | ${fmt(i?.queueJobs)} | ${i?.queueJobsPerWrite ?? '—'} | ${fmt(n?.postgresStatements)} | ${fmt(n?.queueJobs)} | ${c?.postgresStatementsPerWrite ?? '—'} | ${c?.queueJobsPerWrite ?? '—'} | ${fmt(s.reconcile.postgresStatements)} | ${s.reconcile.postgresStatementsPerRow ?? '—'} |`,
    );
  }
  return rows.join('\n');
}

export function twoProviderTable(r: BenchResults): string {
  if (!r.twoProvider?.length) return '';
  const rows = [
    '**Two providers** (N people in ChurchPad, NodePing empty, both ways, limits lifted; simulators in this process: CPU is the whole process)',
    '',
    '| people | ChurchPad records | wall (s) | pulls · until 1st write · writes · after (s) | process CPU (s) | load avg | Postgres active (s) | reads | writes | NodePing records after | Postgres statements per write | queue jobs per write | HTTP ceiling: requests | ceiling wall (s) | sync / ceiling |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const t of r.twoProvider) {
    const i = t.initial;
    rows.push(
      `| ${fmt(t.people)} | ${fmt(t.churchpadRecords)} | ${sec(i.wallMs)} | ${spans(i.timeline)} | ${sec(i.cpuMs)} | ${i.loadAvg1m} | ${sec(i.postgresMs)} | ${fmt(i.readCalls)} | ${fmt(i.writeCalls)} | ${fmt(i.nodepingRecords)} | ${i.engine.postgresStatementsPerWrite ?? '—'} | ${i.engine.queueJobsPerWrite ?? '—'} | ${fmt(t.httpCeiling.requests)} | ${sec(t.httpCeiling.wallMs)} | ${t.httpCeiling.ratio}× |`,
    );
  }
  return rows.join('\n');
}

export function pullOnlyTable(r: BenchResults): string {
  if (!r.pullOnly?.length) return '';
  const rows = [
    `**Pull-only full resync** (every connection \`direction: pull\`: pulls + snapshots + reconcile into canonical records, no push; simulators ${r.pullOnly.every((p) => p.separateSandbox) ? 'in a child process, so the RSS is the worker’s alone' : 'in this process'})`,
    '',
    '| people | wall (s) | process CPU (s) | load avg | RSS before (MB) | peak RSS (MB) | peak − before (MB) | Postgres active (s) | rows read by seq scans | reads | snapshot rows | canonical records |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of r.pullOnly)
    rows.push(
      `| ${fmt(p.people)} | ${sec(p.wallMs)} | ${sec(p.cpuMs)} | ${p.loadAvg1m} | ${p.baselineRssMb} | ${p.peakRssMb} | ${Math.round((p.peakRssMb - p.baselineRssMb) * 10) / 10} | ${sec(p.postgresMs)} | ${fmt(p.postgresSeqRowsRead)} | ${fmt(p.readCalls)} | ${fmt(p.snapshotRows)} | ${fmt(p.canonicals)} |`,
    );
  return rows.join('\n');
}

export function providerTable(r: BenchResults): string {
  const rows = [
    '| people | provider | reads | writes | failed writes | min writes |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes)
    for (const p of PROVIDERS) {
      const b = s.initial.byProvider[p]!;
      rows.push(
        `| ${fmt(s.people)} | ${p} | ${fmt(b.reads)} | ${fmt(b.writes)} | ${fmt(b.failedWrites)} | ${fmt(b.minWrites)} |`,
      );
    }
  return rows.join('\n');
}

/** A hand-written SVG: wall time (initial, no-op, incremental) and peak RSS against people, log x. */
export function renderSvg(r: BenchResults): string {
  const W = 760;
  const H = 320;
  const pad = { l: 60, r: 20, t: 30, b: 45 };
  const pulls = r.pullOnly ?? [];
  const sizes = [...new Set([...r.sizes.map((s) => s.people), ...pulls.map((p) => p.people)])].sort((a, b) => a - b);
  const lx0 = Math.log10(Math.min(...sizes));
  const lx1 = Math.log10(Math.max(...sizes));
  const panel = (
    ox: number,
    title: string,
    yLabel: string,
    series: { name: string; color: string; dash?: boolean; pts: [number, number][] }[],
  ) => {
    const pw = W / 2 - pad.l - pad.r;
    const ph = H - pad.t - pad.b;
    const ymax = Math.max(1e-9, ...series.flatMap((s) => s.pts.map((p) => p[1]))) * 1.1;
    const x = (n: number) => ox + pad.l + (lx1 === lx0 ? pw / 2 : ((Math.log10(n) - lx0) / (lx1 - lx0)) * pw);
    const y = (v: number) => pad.t + ph - (v / ymax) * ph;
    const out: string[] = [];
    out.push(`<text x="${ox + pad.l + pw / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`);
    out.push(
      `<line x1="${ox + pad.l}" y1="${pad.t + ph}" x2="${ox + pad.l + pw}" y2="${pad.t + ph}" stroke="#333"/>`,
      `<line x1="${ox + pad.l}" y1="${pad.t}" x2="${ox + pad.l}" y2="${pad.t + ph}" stroke="#333"/>`,
    );
    for (let k = 0; k <= 4; k++) {
      const v = (ymax / 4) * k;
      out.push(
        `<line x1="${ox + pad.l - 4}" y1="${y(v)}" x2="${ox + pad.l + pw}" y2="${y(v)}" stroke="#ddd"/>`,
        `<text x="${ox + pad.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v >= 100 ? Math.round(v) : v.toFixed(1)}</text>`,
      );
    }
    for (const n of sizes)
      out.push(
        `<text x="${x(n)}" y="${pad.t + ph + 15}" text-anchor="middle" font-size="10">${n.toLocaleString('en-US')}</text>`,
      );
    out.push(
      `<text x="${ox + pad.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">people (log scale)</text>`,
    );
    out.push(
      `<text x="${ox + 14}" y="${pad.t + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${ox + 14} ${pad.t + ph / 2})">${yLabel}</text>`,
    );
    series.forEach((s, i) => {
      if (s.pts.length === 0) return;
      const pts = s.pts.map(([n, v]) => `${x(n).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dash = s.dash ? ' stroke-dasharray="5 3"' : '';
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts}"/>`);
      for (const p of pts.split(' ')) {
        const [cx, cy] = p.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
      }
      out.push(
        `<rect x="${ox + pad.l + 8}" y="${pad.t + 6 + i * 14}" width="10" height="3" fill="${s.color}"/>`,
        `<text x="${ox + pad.l + 22}" y="${pad.t + 10 + i * 14}" font-size="10">${s.name}</text>`,
      );
    });
    return out.join('\n');
  };
  const full = (f: (s: SizeResult) => number): [number, number][] => r.sizes.map((s) => [s.people, f(s)]);
  const pull = (f: (p: PullOnlyResult) => number): [number, number][] => pulls.map((p) => [p.people, f(p)]);
  const body = [
    panel(0, 'Wall time', 'seconds', [
      { name: 'initial full sync', color: '#1f77b4', pts: full((s) => s.initial.wallMs / 1000) },
      { name: 'no-op full resync', color: '#2ca02c', pts: full((s) => s.noop.wallMs / 1000) },
      { name: 'incremental (1%)', color: '#ff7f0e', pts: full((s) => s.incremental.wallMs / 1000) },
      { name: 'raw HTTP ceiling', color: '#7f7f7f', pts: full((s) => s.httpCeiling.wallMs / 1000) },
      { name: 'pull-only resync', color: '#9467bd', dash: true, pts: pull((p) => p.wallMs / 1000) },
    ]),
    panel(W / 2, 'Peak RSS (whole process)', 'MB', [
      { name: 'initial full sync', color: '#1f77b4', pts: full((s) => s.initial.peakRssMb) },
      { name: 'no-op full resync', color: '#2ca02c', pts: full((s) => s.noop.peakRssMb) },
      { name: 'before the sync', color: '#7f7f7f', pts: full((s) => s.baselineRssMb) },
      { name: 'pull-only resync', color: '#9467bd', dash: true, pts: pull((p) => p.peakRssMb) },
      { name: 'before pull-only', color: '#c5b0d5', dash: true, pts: pull((p) => p.baselineRssMb) },
    ]),
  ].join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
${body}
</svg>
`;
}
