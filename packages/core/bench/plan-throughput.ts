/**
 * Micro-benchmark of the merge core: reconciled contacts per second on one core.
 * Run: node packages/core/bench/plan-throughput.ts [--json] [--contacts 20000] [--scenario edits-10pct]
 * (one scenario only, e.g. to profile it: node --cpu-prof packages/core/bench/plan-throughput.ts --scenario edits-10pct)
 * Each contact has four linked sides (full, flat, named, methods kinds). Scenarios:
 *  - noop:       every side agrees with its base (a resync with no change): no op planned;
 *  - edits-10pct: one side in ten contacts edited a name and added an email;
 *  - first-sync: a new person from one side, planned as creates in the others.
 */
import os from 'node:os';
import { normalizeProjection, type Projection, type ReconcileInput, reconcileRecord } from '../src/index.ts';
import { flatDescriptor, fullDescriptor, methodsDescriptor, namedDescriptor } from '../src/test-support/descriptors.ts';
import { canonicalOf, conn, ctxOf } from '../src/test-support/fixtures.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--contacts', 20_000);
const json = process.argv.includes('--json');

const conns = [
  conn('full', fullDescriptor),
  conn('flat', flatDescriptor),
  conn('named', namedDescriptor),
  conn('methods', methodsDescriptor),
];
const ctx = ctxOf(conns);

const person = (i: number) =>
  canonicalOf({
    givenName: `Given${i % 97}`,
    familyName: `Family${i}`,
    displayName: `Given${i % 97} Family${i}`,
    organization: 'Acme',
    emails: [
      { value: `p${i}@acme.io`, label: 'work' },
      { value: `p${i}@home.io`, label: 'home' },
    ],
    phones: [{ value: `+1212${String(1_000_000 + i).slice(1)}`, label: 'mobile' }],
    websites: [],
    chats: [{ value: `slack:p${i}`, label: 'slack' }],
  });

const agreedInput = (i: number, edit: boolean): ReconcileInput => {
  const canonical = person(i);
  const sides = conns.map((c, k) => {
    const base = normalizeProjection(c.capabilities.project(canonical).projection);
    let current: Projection = base;
    if (edit && k === 0) {
      current = {
        ...base,
        givenName: 'Edited',
        emails: [...(base.emails ?? []), { value: `x${i}@new.io`, label: null }],
      };
    }
    return {
      connectionId: c.id,
      externalId: `${c.id}-${i}`,
      base,
      current: normalizeProjection(current),
      updatedAt: null,
    };
  });
  return { canonicalId: `p${i}`, canonical, sides };
};

const firstSyncInput = (i: number): ReconcileInput => {
  const current = normalizeProjection(fullDescriptor.project(person(i)).projection);
  return {
    canonicalId: `p${i}`,
    canonical: null,
    sides: [{ connectionId: 'full', externalId: `full-${i}`, base: null, current, updatedAt: null }],
  };
};

const builders: Record<string, () => ReconcileInput[]> = {
  noop: () => Array.from({ length: N }, (_, i) => agreedInput(i, false)),
  'edits-10pct': () => Array.from({ length: N }, (_, i) => agreedInput(i, i % 10 === 0)),
  'first-sync': () => Array.from({ length: N }, (_, i) => firstSyncInput(i)),
};
const only = process.argv.indexOf('--scenario');
const scenarios: Record<string, ReconcileInput[]> = {};
for (const [name, build] of Object.entries(builders))
  if (only < 0 || process.argv[only + 1] === name) scenarios[name] = build();

// CPU time of this process (user + system), not wall time: the figure is per core and does not
// drop when other processes share the machine.
const measure = (inputs: ReconcileInput[]) => {
  let ops = 0;
  const c0 = process.cpuUsage();
  for (const input of inputs) ops += reconcileRecord(input, ctx).ops.length;
  const c = process.cpuUsage(c0);
  const s = (c.user + c.system) / 1e6;
  return { perSecond: inputs.length / s, ops };
};

// The JIT settles over several passes (a single warm-up pass left the first timed runs 30–40 % slow):
// three warm-up passes, then the median of 11 timed runs, with their spread.
const WARMUP = 3;
const RUNS = 11;
const results: Record<string, { contactsPerSecond: number; opsPlanned: number; spread: { min: number; max: number } }> =
  {};
for (const [name, inputs] of Object.entries(scenarios)) {
  for (let w = 0; w < WARMUP; w++) measure(inputs);
  const runs = Array.from({ length: RUNS }, () => measure(inputs)).sort((a, b) => a.perSecond - b.perSecond);
  const median = runs[RUNS >> 1]!;
  results[name] = {
    contactsPerSecond: Math.round(median.perSecond),
    opsPlanned: median.ops,
    spread: { min: Math.round(runs[0]!.perSecond), max: Math.round(runs[RUNS - 1]!.perSecond) },
  };
}

const out = {
  benchmark: 'core/plan-throughput',
  contacts: N,
  sidesPerContact: conns.length,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  timing: `process CPU time (user+system), median of ${RUNS} runs after ${WARMUP} warm-up passes`,
  loadAverage1m: os.loadavg()[0],
  results,
};
if (json) console.log(JSON.stringify(out, null, 2));
else
  for (const [k, v] of Object.entries(results))
    console.log(
      `${k.padEnd(12)} ${v.contactsPerSecond.toLocaleString()} contacts/s (${v.opsPlanned} ops; runs ${v.spread.min.toLocaleString()}–${v.spread.max.toLocaleString()})`,
    );
