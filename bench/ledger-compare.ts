/**
 * What the change ledger costs: `npm run bench:ledger [-- --people 10000 --runs 5] [--seed 42] [--json] [--no-write]`.
 * The initial full sync (empty store → converged, as in `run.ts`'s initial phase) with the ledger on
 * and with `CONTACT_SYNC_LEDGER=off`, each run in a fresh process and a fresh database, the two in
 * turn (off, on, on, off, off, on …) so that a machine whose speed drifts slows both alike. Writes
 * bench/results/ledger.json and the table between the `ledger` markers in bench/README.md: wall
 * and CPU time per run, and per pair the ratio on/off; its median is the figure to quote.
 * - `--child --ledger on|off --people N --out FILE` (internal): one initial sync in this process, its result to FILE.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, createDatabase, dropDatabase, provideServices } from '@contact-sync/services';
import { rowCount } from '@contact-sync/store';
import { startStack } from '@contact-sync/testkit/stack';
import { childProcessSandbox } from './bench-sandbox.ts';
import { postgresStats, stackSandbox } from './measure.ts';
import { PUSH_CONCURRENCY } from './model.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const known = new Set(['--people', '--runs', '--seed', '--json', '--no-write', '--child', '--out', '--ledger']);
for (const a of args)
  if (a.startsWith('--') && !known.has(a)) {
    console.error(`unknown option ${a}; known: ${[...known].join(', ')}`);
    process.exit(2);
  }
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return v;
};
const whole = (name: string, fallback: number, min: number): number => {
  const raw = opt(name);
  const n = raw === undefined ? fallback : Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) {
    console.error(`${name}: "${raw}" is not a whole number of at least ${min}`);
    process.exit(2);
  }
  return n;
};
const people = whole('--people', 10_000, 10);
const runs = whole('--runs', 5, 1);
const seed = whole('--seed', 42, 0);
const log = (m: string) => console.error(`[bench:ledger ${new Date().toISOString().slice(11, 19)}] ${m}`);
process.env.LOG_LEVEL ??= 'error';

interface RunResult {
  ledger: 'on' | 'off';
  wallMs: number;
  cpuMs: number;
  /** Postgres time executing statements in the run's database (where the ledger's insert costs). */
  postgresMs: number | null;
  loadAvg1m: number;
  ledgerRows: number;
  opsPlanned: number;
}

/** One initial sync in this process (the ledger setting is read once, at import: hence a process per run). */
async function child(out: string): Promise<void> {
  const adminUrl = process.env.DATABASE_URL!;
  const dbName = `bench_ledger_${people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(adminUrl, dbName);
  await applyMigrations(databaseUrl);
  const sandbox = await childProcessSandbox(seed, people);
  try {
    const stack = await startStack({
      databaseUrl,
      redisUrl: process.env.REDIS_URL!,
      prefix: `bench:${dbName}`,
      sandbox: stackSandbox(sandbox),
      configOverrides: {
        push: { attempts: 8, backoff: 100, concurrency: PUSH_CONCURRENCY },
        connection: { rateLimit: { max: 1_000_000, duration: '1s' } },
      },
    });
    let result: RunResult;
    const pg0 = await postgresStats(adminUrl, databaseUrl, dbName);
    try {
      const cpu0 = process.cpuUsage();
      const load0 = os.loadavg()[0]!;
      const t0 = performance.now();
      const p = await stack.sync({ timeoutMs: 30 * 60_000 });
      const wallMs = Math.round(performance.now() - t0);
      const c = process.cpuUsage(cpu0);
      result = {
        ledger: opt('--ledger') === 'off' ? 'off' : 'on',
        wallMs,
        cpuMs: Math.round((c.user + c.system) / 1000),
        postgresMs: null,
        loadAvg1m: Math.round(((load0 + os.loadavg()[0]!) / 2) * 10) / 10,
        ledgerRows: await rowCount(stack.res.prisma, 'ledger'),
        opsPlanned: p.run.opsPlanned,
      };
    } finally {
      await stack.close();
    }
    // A backend reports its active time when it ends: read after the stack's pool closed.
    await new Promise((r) => setTimeout(r, 300));
    const pg1 = await postgresStats(adminUrl, databaseUrl, dbName);
    if (pg0.activeMs !== null && pg1.activeMs !== null) result.postgresMs = Math.round(pg1.activeMs - pg0.activeMs);
    writeFileSync(out, `${JSON.stringify(result)}\n`);
  } finally {
    await sandbox.stop();
    await dropDatabase(adminUrl, dbName);
  }
}

async function inChild(ledger: 'on' | 'off', services: { databaseUrl: string; redisUrl: string }): Promise<RunResult> {
  const out = join(here, '../.tmp', `bench-ledger-${ledger}-${process.pid}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const argv = [
    fileURLToPath(import.meta.url),
    '--child',
    '--ledger',
    ledger,
    '--people',
    String(people),
    '--seed',
    String(seed),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl };
  if (ledger === 'off') env.CONTACT_SYNC_LEDGER = 'off';
  else delete env.CONTACT_SYNC_LEDGER;
  const c = spawn(process.execPath, [...argv, '--out', out], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const code = await new Promise<number | null>((resolve, reject) => {
    c.on('error', reject);
    c.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`ledger ${ledger}: the run's process exited with ${code}`);
  return JSON.parse(readFileSync(out, 'utf8')) as RunResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function compare() {
  const services = await provideServices();
  const pairs: { off: RunResult; on: RunResult }[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // ABBA: whichever runs second in a pair has no systematic advantage.
      const order: ('on' | 'off')[] = i % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      const got: Partial<Record<'on' | 'off', RunResult>> = {};
      for (const l of order) {
        got[l] = await inChild(l, services);
        log(`run ${i + 1}/${runs} ledger ${l}: ${got[l]!.wallMs} ms wall, ${got[l]!.ledgerRows} ledger rows`);
      }
      pairs.push({ off: got.off!, on: got.on! });
    }
  } finally {
    await services.stop();
  }
  const wall = (l: 'on' | 'off') => pairs.map((p) => p[l].wallMs);
  const cpu = (l: 'on' | 'off') => pairs.map((p) => p[l].cpuMs);
  const ratios = pairs.map((p) => p.on.wallMs / p.off.wallMs);
  const cpuRatios = pairs.map((p) => p.on.cpuMs / p.off.cpuMs);
  const pg = (l: 'on' | 'off') => pairs.map((p) => p[l].postgresMs ?? Number.NaN);
  const pgRatios = pairs.map((p) => (p.on.postgresMs ?? Number.NaN) / (p.off.postgresMs ?? Number.NaN));
  return {
    generatedAt: new Date().toISOString(),
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    people,
    seed,
    runs,
    pairs,
    summary: {
      wallMsOff: { min: Math.min(...wall('off')), median: median(wall('off')) },
      wallMsOn: { min: Math.min(...wall('on')), median: median(wall('on')) },
      cpuMsOff: { min: Math.min(...cpu('off')), median: median(cpu('off')) },
      cpuMsOn: { min: Math.min(...cpu('on')), median: median(cpu('on')) },
      /** Per pair on/off, then the median: the figure to quote. */
      wallRatio: { min: r3(Math.min(...ratios)), median: r3(median(ratios)), max: r3(Math.max(...ratios)) },
      cpuRatio: { min: r3(Math.min(...cpuRatios)), median: r3(median(cpuRatios)), max: r3(Math.max(...cpuRatios)) },
      postgresMsOff: { median: median(pg('off')) },
      postgresMsOn: { median: median(pg('on')) },
      postgresRatio: { min: r3(Math.min(...pgRatios)), median: r3(median(pgRatios)), max: r3(Math.max(...pgRatios)) },
      ledgerRows: pairs[0]!.on.ledgerRows,
    },
  };
}

type Comparison = Awaited<ReturnType<typeof compare>>;

function table(c: Comparison): string {
  const s = c.summary;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `${n(c.people)} people, seed ${c.seed}, ${c.runs} pairs (off/on in turn, a fresh process and database each); ${c.machine.cores} cores, Node ${c.machine.node}; generated ${c.generatedAt}.`,
    '',
    '| initial sync | ledger off | ledger on | on / off (per pair) |',
    '| --- | --- | --- | --- |',
    `| wall ms, min | ${n(s.wallMsOff.min)} | ${n(s.wallMsOn.min)} | min ${s.wallRatio.min} |`,
    `| wall ms, median | ${n(s.wallMsOff.median)} | ${n(s.wallMsOn.median)} | **median ${s.wallRatio.median}** (max ${s.wallRatio.max}) |`,
    `| CPU ms of the worker process, median | ${n(s.cpuMsOff.median)} | ${n(s.cpuMsOn.median)} | median ${s.cpuRatio.median} |`,
    `| Postgres active ms, median | ${n(s.postgresMsOff.median)} | ${n(s.postgresMsOn.median)} | median ${s.postgresRatio.median} |`,
    `| ledger rows written | 0 | ${n(s.ledgerRows)} | |`,
  ].join('\n');
}

if (args.includes('--child')) {
  const out = opt('--out');
  if (!out) throw new Error('--child needs --out FILE');
  await child(out);
  process.exit(0);
}

const c = await compare();
if (!args.includes('--no-write')) {
  writeFileSync(join(here, 'results/ledger.json'), `${JSON.stringify(c, null, 2)}\n`);
  const readme = join(here, 'README.md');
  const text = readFileSync(readme, 'utf8');
  writeFileSync(
    readme,
    text.replace(
      /<!-- ledger:start -->[\s\S]*<!-- ledger:end -->/,
      `<!-- ledger:start -->\n${table(c)}\n<!-- ledger:end -->`,
    ),
  );
  execFileSync(join(here, '../node_modules/.bin/biome'), ['format', '--write', readme], { stdio: 'ignore' });
  log('wrote bench/results/ledger.json, bench/README.md');
}
if (args.includes('--json')) console.log(JSON.stringify(c, null, 2));
else console.log(table(c));
