/**
 * Soak: the crash and fault runs of apps/worker/src/faults, longer. Two worker processes
 * sync a larger seed while every provider fault is on (5xx, 429 + Retry-After, timeouts,
 * resets, ghost writes); a random worker is SIGKILLed and restarted several times. The
 * end state is compared with an undisturbed, fault-free run of the same seed.
 *
 *   npm run soak            (SOAK_CONTACTS, SOAK_KILLS, SOAK_SEED, SOAK_WORKERS to change the size)
 *
 * Writes bench/results/soak.json: faults injected by kind, kills and restarts, ops,
 * duplicates found, the final-state diff. Exits 1 when the run did not end clean.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResync } from '@contact-sync/engine/resync';
import { applyMigrations, createDatabase, dropDatabase, provideServices } from '@contact-sync/services';
import { startSandbox } from '@contact-sync/simulators';
import { divergences } from '@contact-sync/testkit/convergence';
import {
  duplicates,
  faultCounts,
  opsAccounting,
  prng,
  providerStates,
  referenceRun,
  sleep,
  stateDiff,
  waitComplete,
} from '@contact-sync/testkit/faults/support';
import { startStack } from '@contact-sync/testkit/stack';
import { type ChildWorker, spawnWorker } from '../apps/worker/src/faults/child-worker.ts';

const CONTACTS = Number(process.env.SOAK_CONTACTS ?? 250);
const KILLS = Number(process.env.SOAK_KILLS ?? 6);
const SEED = Number(process.env.SOAK_SEED ?? 7);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 2);
const FAULTS = {
  error5xx: 0.1,
  rate429: 0.05,
  retryAfterSec: 1,
  timeout: 0.02,
  timeoutHoldMs: 3_000,
  reset: 0.02,
  ghostWrite: 0.02,
};
const configOverrides = { connection: { timeout: '1s' } };
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'results', 'soak.json');
const log = (msg: string) => process.stderr.write(`[soak] ${msg}\n`);

const started = Date.now();
const services = await provideServices({ log });
const id = randomBytes(4).toString('hex');
const names = [`cs_soak_ref_${id}`, `cs_soak_${id}`];
const workers: ChildWorker[] = [];
let exitCode = 1;
try {
  const [refUrl, dbUrl] = await Promise.all(names.map((n) => createDatabase(services.databaseUrl, n)));
  for (const url of [refUrl!, dbUrl!]) await applyMigrations(url, { log: () => {} });

  log(`reference run: seed ${SEED}, ${CONTACTS} people, no faults`);
  const refStarted = Date.now();
  const reference = await referenceRun({
    databaseUrl: refUrl!,
    redisUrl: services.redisUrl,
    prefix: `soak-ref-${id}`,
    sandboxOptions: { seed: SEED, contacts: CONTACTS },
    configOverrides,
    timeoutMs: 300_000,
  });
  const referenceMs = Date.now() - refStarted;
  log(`reference: ${reference.writes} writes in ${referenceMs} ms`);

  // Engine throughput, not the providers' limits: unlimited servers (the engine's budget is lifted too).
  const sandbox = await startSandbox({ port: 0, limits: 'none', seed: SEED, contacts: CONTACTS, faults: FAULTS });
  const prefix = `soak-${id}`;
  const driver = await startStack({
    databaseUrl: dbUrl!,
    redisUrl: services.redisUrl,
    prefix,
    sandbox,
    configOverrides,
    startConsumers: false,
  });
  const spawnOne = () =>
    spawnWorker({
      config: driver.config,
      env: driver.env,
      databaseUrl: dbUrl!,
      redisUrl: services.redisUrl,
      prefix,
      logLevel: 'info',
    });
  for (let i = 0; i < WORKERS; i++) workers.push(await spawnOne());

  const rnd = prng(SEED);
  const soakStarted = Date.now();
  const run = await startResync(driver.res, { full: true });
  const points = Array.from({ length: KILLS }, (_, i) =>
    i === 0 ? 0 : 1 + Math.floor(rnd() * Math.max(1, reference.writes - 1)),
  ).sort((a, b) => a - b);
  const kills: { atWrites: number; writesAtKill: number; msIntoRun: number; worker: number; signal: string | null }[] =
    [];
  for (const atWrites of points) {
    if (atWrites === 0) await sleep(200 + Math.floor(rnd() * 800));
    else {
      const deadline = Date.now() + 120_000;
      while (sandbox.writeCount() < atWrites && Date.now() < deadline) await sleep(5);
    }
    const which = Math.floor(rnd() * workers.length);
    const exit = await workers[which]!.kill('SIGKILL');
    kills.push({
      atWrites,
      writesAtKill: sandbox.writeCount(),
      msIntoRun: Date.now() - soakStarted,
      worker: which,
      signal: exit.signal,
    });
    log(`SIGKILL worker ${which} at ${sandbox.writeCount()} writes`);
    workers[which] = await spawnOne();
  }
  await waitComplete(driver.res.prisma, run.id, 480_000);
  const firstSyncMs = Date.now() - soakStarted;
  log(`disturbed sync complete in ${firstSyncMs} ms; settling sync`);
  await driver.sync({ timeoutMs: 300_000 });

  const actual = providerStates(sandbox);
  const diff = stateDiff(reference.states, actual);
  const dups = duplicates(reference.states, actual);
  const ops = await opsAccounting(driver.res.prisma);
  const diverged = await divergences(driver.res);
  const injected = faultCounts(sandbox);
  const clean = diff.length === 0 && dups.length === 0 && ops.unfinished === 0 && ops.unexplained === 0;
  const result = {
    finishedAt: new Date().toISOString(),
    passed: clean && diverged.length === 0,
    node: process.version,
    services: services.source,
    scenario: {
      seed: SEED,
      people: CONTACTS,
      workerProcesses: WORKERS,
      faults: FAULTS,
      providerRecords: Object.fromEntries(Object.entries(reference.states).map(([p, r]) => [p, r.length])),
    },
    faultsInjected: injected,
    faultsSurvived: clean ? injected : {},
    kills: { count: kills.length, restarts: kills.length, points: kills },
    requests: { total: sandbox.requestCount(), writes: sandbox.writeCount(), referenceWrites: reference.writes },
    ops: { ...ops, failed: ops.failed.length, failedList: ops.failed },
    duplicatesFound: dups,
    finalStateDiff: {
      providersDiffering: diff.length,
      missing: diff.reduce((n, d) => n + d.missing.length, 0),
      extra: diff.reduce((n, d) => n + d.extra.length, 0),
      sample: diff.map((d) => ({ provider: d.provider, missing: d.missing.slice(0, 3), extra: d.extra.slice(0, 3) })),
    },
    divergences: diverged.length,
    timingsMs: { total: Date.now() - started, reference: referenceMs, disturbedSync: firstSyncMs },
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `${result.passed ? 'PASSED' : 'FAILED'}: ${JSON.stringify({ injected, kills: kills.length, diff: result.finalStateDiff.missing + result.finalStateDiff.extra, duplicates: dups.length, ops: result.ops.total })}`,
  );
  log(`wrote ${OUT}`);
  for (const w of workers.splice(0)) await w.kill('SIGTERM');
  await driver.close();
  await sandbox.stop();
  exitCode = result.passed ? 0 : 1;
} finally {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  for (const n of names) await dropDatabase(services.databaseUrl, n).catch(() => {});
  await services.stop();
}
process.exit(exitCode);
