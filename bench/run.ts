/**
 * contact-sync benchmark: `npm run bench [-- --sizes 1000,10000,100000] [--seed 42] [--json] [--no-write]`.
 * Real Postgres and Redis (provideServices), the five simulators in a child process (no faults, no
 * rate limits; `--in-process-sandbox`: in this one), a whole worker in this process, so the peak RSS
 * measured is the worker's. Writes bench/results/latest.json, bench/results/plot.svg and the tables
 * between the markers in bench/README.md.
 * - `--pull-only SIZES`: also pull-only full resyncs (pull + reconcile, no push) at those sizes;
 * - `--sizes none --pull-only SIZES`: only those, added to the previous results/latest.json;
 * - `--realistic N`: the phase "realistic limits" (bench/realistic.ts), N people against the
 *   documented limits scaled in time; with `--sizes none`, added to the previous results/latest.json;
 * - `--two-provider SIZES`: also the two-provider phase (bench/two-provider.ts) at those sizes
 *   (with `--sizes none`: only it, added to the previous results/latest.json);
 * - `--render`: only redraw the plot and the README tables from results/latest.json;
 * - `--one-size N --out FILE` (internal): one size in this process; every size runs so, in a fresh one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provideServices } from '@contact-sync/services';
import {
  assembleResults,
  type BenchResults,
  checkShape,
  machine,
  markdownTable,
  type PullOnlyResult,
  providerTable,
  pullOnlyTable,
  renderSvg,
  runPullOnly,
  runSize,
  runTwoProvider,
  type SizeResult,
  type TwoProviderResult,
  twoProviderTable,
} from './lib.ts';
import { type RealisticResult, realisticTable, runRealistic } from './realistic.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
};
const known = new Set([
  '--sizes',
  '--seed',
  '--json',
  '--no-write',
  '--core-contacts',
  '--render',
  '--pull-only',
  '--realistic',
  '--two-provider',
  '--in-process-sandbox',
  '--one-size',
  '--out',
]);
for (const a of args)
  if (a.startsWith('--') && !known.has(a)) {
    console.error(`unknown option ${a}; known: ${[...known].join(', ')}`);
    process.exit(2);
  }
const sizesArg = opt('--sizes') ?? '1000,10000,100000';
const sizes =
  sizesArg === 'none'
    ? []
    : sizesArg.split(',').map((s) => {
        const n = Number(s.trim().replace(/_/g, ''));
        if (!Number.isInteger(n) || n < 10) {
          console.error(`--sizes: "${s}" is not a whole number of people (at least 10), nor "none"`);
          process.exit(2);
        }
        return n;
      });
const seed = Number(opt('--seed') ?? 42);
const json = args.includes('--json');
const write = !args.includes('--no-write');
const coreContacts = Number(opt('--core-contacts') ?? 20_000);
const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

process.env.LOG_LEVEL ??= 'error';

/**
 * One size in a fresh process (`--expose-gc`): each size's RSS starts from the same empty worker,
 * not from what earlier sizes and their in-process HTTP ceiling left on the heap. Its result stays
 * in .tmp, so a failure at a later size does not lose it.
 */
async function sizeInChild(
  people: number,
  services: { databaseUrl: string; redisUrl: string },
  pullOnly: boolean,
): Promise<unknown> {
  const out = join(here, '../.tmp', `bench-${pullOnly ? 'pull-only' : 'size'}-${people}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const argv = ['--expose-gc', fileURLToPath(import.meta.url), '--one-size', String(people), '--seed', String(seed)];
  if (pullOnly) argv.push('--pull-only', String(people));
  if (args.includes('--in-process-sandbox')) argv.push('--in-process-sandbox');
  argv.push('--out', out);
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl },
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0)
    throw new Error(`${people} people${pullOnly ? ' (pull-only)' : ''}: the size's process exited with ${code}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** `--one-size N --out FILE` (run by sizeInChild): one size measured in this process, its result to FILE. */
async function measureOneSize(people: number, out: string): Promise<void> {
  const services = await provideServices();
  try {
    const o = {
      people,
      seed,
      adminUrl: services.databaseUrl,
      redisUrl: services.redisUrl,
      log,
      inProcessSandbox: args.includes('--in-process-sandbox'),
      // BENCH_KEEP_DB=1 (with DATABASE_URL naming a server that outlives the run): the size's
      // database is left for inspection (EXPLAIN of its statements at that size).
      keepDatabase: process.env.BENCH_KEEP_DB === '1',
    };
    const result = opt('--pull-only') ? await runPullOnly(o) : await runSize(o);
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await services.stop();
  }
}

async function measure(): Promise<BenchResults> {
  log(`machine: ${JSON.stringify(machine())}`);
  log('merge core alone (packages/core/bench/plan-throughput.ts, one core)');
  const core = JSON.parse(
    execFileSync(
      process.execPath,
      [join(here, '../packages/core/bench/plan-throughput.ts'), '--json', '--contacts', String(coreContacts)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    ),
  ) as { results: Record<string, { contactsPerSecond: number }> };
  const scenarios = Object.fromEntries(Object.entries(core.results).map(([k, v]) => [k, v.contactsPerSecond]));
  log(`  ${JSON.stringify(scenarios)}`);

  const services = await provideServices();
  const results: SizeResult[] = [];
  const pullOnly: PullOnlyResult[] = [];
  let realistic: RealisticResult | undefined;
  const twoProvider: TwoProviderResult[] = [];
  try {
    for (const people of sizes) {
      const t0 = Date.now();
      results.push((await sizeInChild(people, services, false)) as SizeResult);
      log(`${people} people done in ${Math.round((Date.now() - t0) / 1000)} s`);
    }
    for (const people of pullOnlySizes ?? []) {
      log(`${people} people: pull-only full resync`);
      pullOnly.push((await sizeInChild(people, services, true)) as PullOnlyResult);
    }
    if (realisticPeople !== undefined) {
      log(`${realisticPeople} people: realistic limits (scaled)`);
      realistic = await runRealistic({
        people: realisticPeople,
        seed,
        adminUrl: services.databaseUrl,
        redisUrl: services.redisUrl,
        log,
      });
    }
    for (const people of twoProviderSizes ?? [])
      twoProvider.push(
        await runTwoProvider({ people, seed, adminUrl: services.databaseUrl, redisUrl: services.redisUrl, log }),
      );
  } finally {
    await services.stop();
  }

  // `--sizes none --pull-only …` / `--realistic …`: only those runs, added to the previous full-size results.
  if (results.length === 0) {
    const prev = previous();
    return {
      ...prev,
      ...(pullOnlySizes ? { pullOnly, pullOnlyGeneratedAt: new Date().toISOString() } : {}),
      ...(realistic ? { realistic } : {}),
      ...(twoProvider.length > 0 ? { twoProvider, twoProviderGeneratedAt: new Date().toISOString() } : {}),
    };
  }
  const assembled = assembleResults({
    pullOnly,
    twoProvider,
    sizes: results,
    coreScenarios: scenarios,
    coreContacts,
    seed,
    servicesSource: services.source,
  });
  return realistic ? { ...assembled, realistic } : assembled;
}

const previous = () => JSON.parse(readFileSync(join(here, 'results/latest.json'), 'utf8')) as BenchResults;
const pullOnlySizes = opt('--pull-only')
  ?.split(',')
  .map((s) => Number(s.trim().replace(/_/g, '')));
if (pullOnlySizes?.some((n) => !Number.isInteger(n) || n < 10)) {
  console.error(`--pull-only: "${opt('--pull-only')}" is not a list of whole numbers of people (at least 10)`);
  process.exit(2);
}

const realisticArg = opt('--realistic');
const realisticPeople = realisticArg === undefined ? undefined : Number(realisticArg.replace(/_/g, ''));
if (realisticPeople !== undefined && (!Number.isInteger(realisticPeople) || realisticPeople < 10)) {
  console.error(`--realistic: "${realisticArg}" is not a whole number of people (at least 10)`);
  process.exit(2);
}
const twoProviderSizes = opt('--two-provider')
  ?.split(',')
  .map((s) => Number(s.trim().replace(/_/g, '')));
if (twoProviderSizes?.some((n) => !Number.isInteger(n) || n < 10)) {
  console.error(`--two-provider: "${opt('--two-provider')}" is not a list of whole numbers of people (at least 10)`);
  process.exit(2);
}

const oneSize = opt('--one-size');
if (oneSize !== undefined) {
  const outFile = opt('--out');
  if (!outFile) throw new Error('--one-size needs --out FILE');
  await measureOneSize(Number(oneSize), outFile);
  process.exit(0);
}

const out: BenchResults = args.includes('--render') ? previous() : await measure();
const problems = checkShape(out);
if (problems.length) throw new Error(`result shape:\n${problems.join('\n')}`);

if (write) {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(join(dir, 'plot.svg'), renderSvg(out));
  const readme = join(here, 'README.md');
  try {
    const text = readFileSync(readme, 'utf8');
    const table = [
      `Machine: ${out.machine.cores} cores, ${out.machine.memoryGb} GB, Node ${out.machine.node} (${out.machine.cpu}); generated ${out.generatedAt}${out.pullOnlyGeneratedAt ? `; pull-only runs ${out.pullOnlyGeneratedAt}` : ''}${out.twoProviderGeneratedAt ? `; two-provider runs ${out.twoProviderGeneratedAt}` : ''}.`,
      '',
      markdownTable(out),
      '',
      `Merge core alone: ${Object.entries(out.mergeCore.scenarios)
        .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}/s`)
        .join(', ')} (plans per second, one core, ${out.mergeCore.contacts.toLocaleString('en-US')} contacts).`,
      '',
      ...(out.pullOnly?.length ? [pullOnlyTable(out), ''] : []),
      ...(out.realistic ? [realisticTable(out.realistic), ''] : []),
      ...(out.twoProvider?.length ? [twoProviderTable(out), ''] : []),
      'Initial sync per provider:',
      '',
      providerTable(out),
    ].join('\n');
    const next = text.replace(
      /<!-- results:start -->[\s\S]*<!-- results:end -->/,
      `<!-- results:start -->\n${table}\n<!-- results:end -->`,
    );
    writeFileSync(readme, next);
    // The tables as the linter formats them (npm test checks the README's format too).
    execFileSync(join(here, '../node_modules/.bin/biome'), ['format', '--write', readme], { stdio: 'ignore' });
  } catch (e) {
    log(`README not updated: ${(e as Error).message}`);
  }
  log('wrote bench/results/latest.json, bench/results/plot.svg, bench/README.md');
}
if (json) console.log(JSON.stringify(out, null, 2));
else console.log(markdownTable(out));
