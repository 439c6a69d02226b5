/** One size measured end to end: sync phases, reconcile from Postgres, the HTTP ceiling. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { ProviderOptionsSchemas } from '@contact-sync/engine/config';
import { runReconcile } from '@contact-sync/engine/reconcile/reconcile';
import { queueJobsAdded } from '@contact-sync/engine/resources';
import { applyMigrations, createDatabase, dropDatabase } from '@contact-sync/services';
import type { Sandbox } from '@contact-sync/simulators';
import { committedMaxSeq, postgresRoundTrips, rowCount, writeCursor } from '@contact-sync/store';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import pg from 'pg';
import { childProcessSandbox, inProcessSandbox } from './bench-sandbox.ts';
import type { RequestTimeline } from './calls.ts';
import { type Ceiling, type CeilingLog, httpCeiling } from './ceiling.ts';
import { machineCpuMs, machineShare } from './cpu.ts';
import { PROVIDERS, PUSH_CONCURRENCY } from './model.ts';

// ---------------------------------------------------------------------------------------------
// Sampling and counting.

/**
 * The engine's own traffic over a phase: statements the worker's Prisma clients sent to Postgres
 * (each one round trip, BEGIN and COMMIT included; the bench's progress polling among them) and
 * queue jobs it asked BullMQ to add, in total and per provider write (each applied op is at least one).
 */
export interface EngineCounts {
  postgresStatements: number;
  queueJobs: number;
  postgresStatementsPerWrite: number | null;
  queueJobsPerWrite: number | null;
}
export function engineCounts(since?: EngineCounts, writes?: number): EngineCounts {
  const statements = postgresRoundTrips().statements - (since?.postgresStatements ?? 0);
  const jobs = queueJobsAdded() - (since?.queueJobs ?? 0);
  const per = (n: number) => (writes ? Math.round((n / writes) * 100) / 100 : null);
  return {
    postgresStatements: statements,
    queueJobs: jobs,
    postgresStatementsPerWrite: per(statements),
    queueJobsPerWrite: per(jobs),
  };
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Peak RSS (sampled), and the peak of the V8 heap just after a major collection: what the process
 * still held once garbage was gone. RSS alone mixes the two, since V8 collects lazily.
 */
/**
 * How long this process's event loop went without a turn (a sync section of the engine, or GC):
 * while it does, no pull or push of this process sends or reads, and a request taken from the
 * budget reaches its provider later than the budget counted it. p99 and max, in ms.
 */
export class LoopDelay {
  private readonly h = monitorEventLoopDelay({ resolution: 5 });
  start(): this {
    this.h.enable();
    return this;
  }
  stop(): { p99: number; max: number } {
    this.h.disable();
    return { p99: Math.round(this.h.percentile(99) / 1e6), max: Math.round(this.h.max / 1e6) };
  }
}

class RssSampler {
  peak = 0;
  peakLiveHeap = 0;
  private timer: NodeJS.Timeout | null = null;
  private gcs: PerformanceObserver | null = null;
  start(everyMs = 20): this {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      const r = process.memoryUsage.rss();
      if (r > this.peak) this.peak = r;
    }, everyMs);
    this.gcs = new PerformanceObserver((list) => {
      const major = list
        .getEntries()
        .some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
      if (!major) return;
      const used = process.memoryUsage().heapUsed;
      if (used > this.peakLiveHeap) this.peakLiveHeap = used;
    });
    this.gcs.observe({ entryTypes: ['gc'] });
    return this;
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.gcs?.disconnect();
    const r = process.memoryUsage.rss();
    if (r > this.peak) this.peak = r;
    return mb(this.peak);
  }
  /** MB; 0 when no major collection ran during the phase. */
  liveHeapMb(): number {
    return mb(this.peakLiveHeap);
  }
}

/**
 * When the database's last pull run ended (epoch ms; null when none ended since `since`): its
 * latest pulls are the phase's. Read as how long ago, against the clock it was written with (the
 * engine stamps `finishedAt` with `now()` in the session's time zone), so no zone is assumed.
 */
export async function pullsEndedAt(databaseUrl: string, since: number): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ ago: number | null }>(
      `SELECT (extract(epoch FROM localtimestamp - max("finishedAt")) * 1000)::float8 AS ago
       FROM sync_runs WHERE kind = 'pull'`,
    );
    const ago = r.rows[0]?.ago;
    if (ago === null || ago === undefined) return null;
    const at = Math.round(Date.now() - ago);
    return at >= since ? at : null;
  } finally {
    await client.end();
  }
}

/**
 * Postgres time spent executing statements in one database (pg_stat_database.active_time, ms),
 * and the rows its sequential scans read (pg_stat_user_tables.seq_tup_read, summed): a count
 * that grows faster than the data when a query scans a table once per record.
 */
export async function postgresStats(
  adminUrl: string,
  databaseUrl: string,
  db: string,
): Promise<{ activeMs: number | null; seqRowsRead: number }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  const own = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await own.connect();
  try {
    const r = await admin.query<{ active_time: number | null }>(
      'SELECT active_time FROM pg_stat_database WHERE datname = $1',
      [db],
    );
    const s = await own.query<{ n: string | null }>('SELECT sum(seq_tup_read)::text AS n FROM pg_stat_user_tables');
    const v = r.rows[0]?.active_time;
    return { activeMs: v === null || v === undefined ? null : Number(v), seqRowsRead: Number(s.rows[0]?.n ?? 0) };
  } finally {
    await admin.end();
    await own.end();
  }
}

/**
 * With `BENCH_PROFILE=<phase>[,<phase>…]` (e.g. `initial`): a CPU profile of this process over
 * that phase, written to `BENCH_PROFILE_DIR` (default the temp dir) as `<phase>-<people>.cpuprofile`.
 */
export async function profilePhase(name: string): Promise<{ stop: () => Promise<void> }> {
  if (!(process.env.BENCH_PROFILE ?? '').split(',').includes(name)) return { stop: async () => {} };
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      const file = join(process.env.BENCH_PROFILE_DIR ?? os.tmpdir(), `${name}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * With `CONTACT_SYNC_PG_STAT_STATEMENTS=1` (the local Postgres then preloads pg_stat_statements):
 * `reset` clears the statement statistics; a phase's name logs its 25 costliest statements.
 */
export async function statementStats(
  adminUrl: string,
  db: string,
  what: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  if (process.env.CONTACT_SYNC_PG_STAT_STATEMENTS !== '1') return;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    if (what === 'reset') {
      await admin.query('SELECT pg_stat_statements_reset()');
      return;
    }
    const r = await admin.query<{ ms: number; calls: string; rows: string; jit: number; query: string }>(
      `SELECT round(s.total_exec_time)::float AS ms, s.calls::text, s.rows::text,
              round(s.jit_generation_time + s.jit_inlining_time + s.jit_optimization_time + s.jit_emission_time)::float AS jit,
              left(regexp_replace(s.query, '\\s+', ' ', 'g'), 160) AS query
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 ORDER BY s.total_exec_time DESC LIMIT 25`,
      [db],
    );
    log(`  ${what}: costliest statements (ms, calls, rows, ms of JIT compilation, query)`);
    for (const row of r.rows) log(`    ${row.ms} ms  ${row.calls}×  ${row.rows} rows  jit ${row.jit} ms  ${row.query}`);
  } finally {
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// One size.

/**
 * Where a phase's CPU went, to tell an engine that waits from a machine with no idle core: the
 * worker's process, the simulators' (a child process; null in process), Postgres' active time
 * (`postgresMs`, every backend) and the whole machine's busy time with its share of the cores.
 */
interface PhaseCpu {
  workerMs: number;
  simulatorsMs: number | null;
  postgresMs: number | null;
  machineMs: number;
  machineShare: number;
  /** The worker's event-loop delay over the phase (`LoopDelay`); absent in older results. */
  loopDelayMs?: { p99: number; max: number };
}

export interface SizeResult {
  people: number;
  initial: {
    wallMs: number;
    peakRssMb: number;
    /** The V8 heap's peak just after a major collection (live data, not garbage); absent in older results. */
    peakLiveHeapMb?: number;
    /** CPU time of this whole process (user + system) over the phase: less sensitive to other load than wall time. */
    cpuMs: number;
    /** The machine's 1-minute load average over the phase (mean of start and end). */
    loadAvg1m: number;
    postgresMs: number | null;
    postgresSeqRowsRead: number;
    readCalls: number;
    writeCalls: number;
    failedWriteCalls: number;
    minWriteCalls: number;
    listPages: number;
    writes: Record<string, number>;
    opsPlanned: number;
    conflicts: number;
    /** Postgres statements and queue jobs of the phase (absent in older results). */
    engine?: EngineCounts;
    /** Absent in older results. */
    cpu?: PhaseCpu;
    /** Where the wall went, from the simulators' request log (`requestTimeline`); absent in older results. */
    timeline?: RequestTimeline;
    byProvider: Record<string, { reads: number; writes: number; failedWrites: number; minWrites: number }>;
  };
  noop: {
    wallMs: number;
    peakRssMb: number;
    /** CPU time of this whole process (user + system) over the phase: less sensitive to other load than wall time. */
    cpuMs: number;
    /** The machine's 1-minute load average over the phase (mean of start and end). */
    loadAvg1m: number;
    postgresMs: number | null;
    readCalls: number;
    writeCalls: number;
    listPages: number;
    /** Writes per provider and request (method + path with ids elided), to find where they come from. */
    writes: Record<string, number>;
    engine?: EngineCounts;
    /**
     * The no-op's own reads (the same GET URLs, one at a time per provider) replayed by the plain
     * fetch loop on a fresh sandbox, and the no-op's wall time over it; absent in older results.
     */
    ceiling?: { wallMs: number; reads: number; ratio: number; machineCpuMs?: number; machineShare?: number };
    /** Absent in older results. */
    cpu?: PhaseCpu;
  };
  /**
   * A second full resync right after the no-op: the first one after an initial sync still lists
   * every record the sync created for the first time (and GrowCRM's organization on them), this one
   * finds nothing at all. Its own reads replayed the same way; absent in older results.
   */
  steadyNoop?: {
    wallMs: number;
    readCalls: number;
    writeCalls: number;
    postgresMs: number | null;
    cpu?: PhaseCpu;
    ceiling: { wallMs: number; reads: number; ratio: number };
  };
  incremental: {
    wallMs: number;
    cpuMs: number;
    loadAvg1m: number;
    edits: number;
    writeCalls: number;
    minWriteCalls: number;
    readCalls: number;
    writes: Record<string, number>;
    engine?: EngineCounts;
  };
  reconcile: {
    contacts: number;
    wallMs: number;
    contactsPerSec: number;
    /** Statements sent to Postgres by the pass, and per snapshot row (absent in older results). */
    postgresStatements?: number;
    postgresStatementsPerRow?: number | null;
  };
  httpCeiling: Ceiling & { syncWallMs: number; ratio: number };
  baselineRssMb: number;
}

export interface SizeOptions {
  people: number;
  seed: number;
  adminUrl: string;
  redisUrl: string;
  log?: (msg: string) => void;
  timeoutMs?: number;
  /** Keep the size's database after the run (default: dropped). */
  keepDatabase?: boolean;
  /** The simulators in this process (default: a child process, so the RSS measured is the worker's alone). */
  inProcessSandbox?: boolean;
}

/** Strips the sandbox's informational options that the worker's config does not take. */
export const stackSandbox = (sandbox: Pick<Sandbox, 'url' | 'providers'>): Sandbox => {
  const providers = Object.fromEntries(
    Object.entries(sandbox.providers).map(([k, v]) => {
      const keys = Object.keys((ProviderOptionsSchemas as Record<string, { shape: object }>)[k]!.shape);
      return [k, { ...v, options: Object.fromEntries(Object.entries(v.options).filter(([o]) => keys.includes(o))) }];
    }),
  );
  return { ...sandbox, providers } as Sandbox;
};

export async function runSize(o: SizeOptions): Promise<SizeResult> {
  const log = o.log ?? (() => {});
  const timeoutMs = o.timeoutMs ?? 75 * 60_000;
  const dbName = `bench_${o.people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(o.adminUrl, dbName);
  await applyMigrations(databaseUrl);
  const prefix = `bench:${dbName}`;
  const initialLogFile = join(os.tmpdir(), `${dbName}-requests.json`);
  const noopLogFile = join(os.tmpdir(), `${dbName}-noop-requests.json`);
  const steadyLogFile = join(os.tmpdir(), `${dbName}-steady-requests.json`);
  const sandbox = o.inProcessSandbox
    ? await inProcessSandbox(o.seed, o.people)
    : await childProcessSandbox(o.seed, o.people);
  const forStack = stackSandbox(sandbox);
  const open = (startConsumers = true) =>
    startStack({
      databaseUrl,
      redisUrl: o.redisUrl,
      prefix,
      sandbox: forStack,
      startConsumers,
      configOverrides: {
        push: { attempts: 8, backoff: 100, concurrency: PUSH_CONCURRENCY },
        // No rate limit: the simulators run without one.
        connection: { rateLimit: { max: 1_000_000, duration: '1s' } },
      },
    });
  // Postgres time is read after each phase's stack closed: a backend reports its active time when
  // it ends, so closing the pool makes the figure complete.
  const pgTime = async () => {
    await new Promise((r) => setTimeout(r, 300));
    return postgresStats(o.adminUrl, databaseUrl, dbName);
  };
  const phase = async <T>(name: string, fn: (stack: Stack) => Promise<T>) => {
    await statementStats(o.adminUrl, dbName, 'reset');
    const pg0 = await pgTime();
    const stack = await open();
    await sandbox.clearRequests();
    const rss = new RssSampler().start();
    const loop = new LoopDelay().start();
    const cpu0 = process.cpuUsage();
    const machine0 = machineCpuMs();
    const sims0 = sandbox.cpuMs();
    const load0 = os.loadavg()[0]!;
    const engine0 = engineCounts();
    const t0 = performance.now();
    const startedAt = Date.now();
    const profile = await profilePhase(name);
    let out: T;
    try {
      out = await fn(stack);
    } finally {
      await profile.stop();
      await stack.close();
    }
    const wallMs = Math.round(performance.now() - t0);
    const endedAt = Date.now();
    const timeline = await sandbox.timeline(startedAt, endedAt, await pullsEndedAt(databaseUrl, startedAt));
    const sims1 = sandbox.cpuMs();
    const machine = {
      cpuMs: Math.round(machineCpuMs() - machine0),
      simulatorsCpuMs: sims0 === null || sims1 === null ? null : sims1 - sims0,
    };
    const peakRssMb = rss.stop();
    const loopDelayMs = loop.stop();
    const peakLiveHeapMb = rss.liveHeapMb();
    const c = process.cpuUsage(cpu0);
    const cpuMs = Math.round((c.user + c.system) / 1000);
    const loadAvg1m = Math.round(((load0 + os.loadavg()[0]!) / 2) * 10) / 10;
    const pg1 = await pgTime();
    await statementStats(o.adminUrl, dbName, name, log);
    const { calls, writes } = await sandbox.count();
    log(`  ${name}: ${wallMs} ms, peak RSS ${peakRssMb} MB, ${calls.readCalls} reads, ${calls.writeCalls} writes`);
    const postgresMs = pg0.activeMs === null || pg1.activeMs === null ? null : Math.round(pg1.activeMs - pg0.activeMs);
    const seqRowsRead = pg1.seqRowsRead - pg0.seqRowsRead;
    const engine = engineCounts(engine0, calls.writeCalls);
    const cpu: PhaseCpu = {
      workerMs: cpuMs,
      simulatorsMs: machine.simulatorsCpuMs,
      postgresMs,
      machineMs: machine.cpuMs,
      machineShare: machineShare(machine.cpuMs, wallMs),
      loopDelayMs,
    };
    return {
      out,
      wallMs,
      peakRssMb,
      peakLiveHeapMb,
      cpuMs,
      loadAvg1m,
      postgresMs,
      seqRowsRead,
      calls,
      writes,
      engine,
      cpu,
      timeline,
    };
  };

  try {
    global.gc?.();
    const baselineRssMb = Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;
    const { min, edits, incrementalMin: incMin } = await sandbox.plan(o.seed);

    log(`${o.people} people: initial full sync`);
    const initial = await phase('initial', (s) => s.sync({ timeoutMs }));
    // Keep the initial sync's request log for the ceiling before the next phase clears it (in a
    // file: 300,000 entries at 100,000 people would otherwise sit in this process's heap).
    await sandbox.saveRequestLog(initialLogFile);

    const noop = await phase('noop', (s) => s.sync({ timeoutMs }));
    await sandbox.saveRequestLog(noopLogFile);

    const steady = await phase('steady-noop', (s) => s.sync({ timeoutMs }));
    await sandbox.saveRequestLog(steadyLogFile);

    const incremental = await phase('incremental', async (s) => {
      await sandbox.applyEdits(edits);
      return s.sync({ timeoutMs });
    });

    // Reconcile alone, streaming the whole snapshot back from Postgres (the cursor moved back to 0).
    log('  reconcile from Postgres');
    const rstack = await open(false);
    let reconcile: SizeResult['reconcile'];
    try {
      await writeCursor(rstack.res.prisma, 0n);
      const upTo = await committedMaxSeq(rstack.res.prisma);
      const e0 = engineCounts();
      await statementStats(o.adminUrl, dbName, 'reset');
      const profile = await profilePhase('reconcile');
      const t0 = performance.now();
      const r = await runReconcile(rstack.res, upTo);
      const wallMs = Math.round(performance.now() - t0);
      await profile.stop();
      await statementStats(o.adminUrl, dbName, 'reconcile', log);
      const e = engineCounts(e0, r.rows);
      reconcile = {
        contacts: r.rows,
        wallMs,
        contactsPerSec: Math.round(r.rows / (wallMs / 1000)),
        postgresStatements: e.postgresStatements,
        postgresStatementsPerRow: e.postgresStatementsPerWrite,
      };
    } finally {
      await rstack.close();
    }
    log(`  reconcile: ${reconcile.contacts} rows in ${reconcile.wallMs} ms`);

    log('  raw HTTP ceiling');
    const ceiling = await httpCeiling(
      { seed: o.seed, people: o.people },
      JSON.parse(readFileSync(initialLogFile, 'utf8')) as CeilingLog,
    );
    log(`  ceiling: ${ceiling.requests} requests in ${ceiling.wallMs} ms`);
    const noopCeiling = await httpCeiling(
      { seed: o.seed, people: o.people },
      JSON.parse(readFileSync(noopLogFile, 'utf8')) as CeilingLog,
    );
    log(`  no-op ceiling: ${noopCeiling.reads} reads in ${noopCeiling.wallMs} ms`);
    const steadyCeiling = await httpCeiling(
      { seed: o.seed, people: o.people },
      JSON.parse(readFileSync(steadyLogFile, 'utf8')) as CeilingLog,
    );
    log(`  steady no-op ceiling: ${steadyCeiling.reads} reads in ${steadyCeiling.wallMs} ms`);

    return {
      people: o.people,
      baselineRssMb,
      initial: {
        wallMs: initial.wallMs,
        peakRssMb: initial.peakRssMb,
        peakLiveHeapMb: initial.peakLiveHeapMb,
        cpuMs: initial.cpuMs,
        loadAvg1m: initial.loadAvg1m,
        postgresMs: initial.postgresMs,
        postgresSeqRowsRead: initial.seqRowsRead,
        readCalls: initial.calls.readCalls,
        writeCalls: initial.calls.writeCalls,
        failedWriteCalls: Object.values(initial.calls.byProvider).reduce((a, b) => a + b.failedWrites, 0),
        minWriteCalls: min.total,
        listPages: initial.calls.listPages,
        writes: initial.writes,
        opsPlanned: initial.out.run.opsPlanned,
        conflicts: initial.out.run.conflicts,
        engine: initial.engine,
        cpu: initial.cpu,
        timeline: initial.timeline,
        byProvider: Object.fromEntries(
          PROVIDERS.map((p) => [p, { ...initial.calls.byProvider[p]!, minWrites: min.byProvider[p]! }]),
        ),
      },
      noop: {
        wallMs: noop.wallMs,
        peakRssMb: noop.peakRssMb,
        cpuMs: noop.cpuMs,
        loadAvg1m: noop.loadAvg1m,
        postgresMs: noop.postgresMs,
        readCalls: noop.calls.readCalls,
        writeCalls: noop.calls.writeCalls,
        listPages: noop.calls.listPages,
        writes: noop.writes,
        engine: noop.engine,
        cpu: noop.cpu,
        ceiling: {
          wallMs: noopCeiling.wallMs,
          reads: noopCeiling.reads,
          ratio: Math.round((noop.wallMs / Math.max(1, noopCeiling.wallMs)) * 10) / 10,
          machineCpuMs: noopCeiling.machineCpuMs,
          machineShare: noopCeiling.machineShare,
        },
      },
      steadyNoop: {
        wallMs: steady.wallMs,
        readCalls: steady.calls.readCalls,
        writeCalls: steady.calls.writeCalls,
        postgresMs: steady.postgresMs,
        cpu: steady.cpu,
        ceiling: {
          wallMs: steadyCeiling.wallMs,
          reads: steadyCeiling.reads,
          ratio: Math.round((steady.wallMs / Math.max(1, steadyCeiling.wallMs)) * 10) / 10,
        },
      },
      incremental: {
        wallMs: incremental.wallMs,
        cpuMs: incremental.cpuMs,
        loadAvg1m: incremental.loadAvg1m,
        edits: edits.length,
        writeCalls: incremental.calls.writeCalls,
        minWriteCalls: incMin,
        readCalls: incremental.calls.readCalls,
        writes: incremental.writes,
        engine: incremental.engine,
      },
      reconcile,
      httpCeiling: {
        ...ceiling,
        syncWallMs: initial.wallMs,
        ratio: Math.round((initial.wallMs / Math.max(1, ceiling.wallMs)) * 10) / 10,
      },
    };
  } finally {
    await sandbox.stop();
    rmSync(initialLogFile, { force: true });
    rmSync(noopLogFile, { force: true });
    rmSync(steadyLogFile, { force: true });
    if (!o.keepDatabase) await dropDatabase(o.adminUrl, dbName);
  }
}

export interface PullOnlyResult {
  people: number;
  wallMs: number;
  cpuMs: number;
  loadAvg1m: number;
  /** The process after the sandbox was seeded, before the sync. */
  baselineRssMb: number;
  peakRssMb: number;
  /** The V8 heap's peak just after a major collection; absent in older results. */
  peakLiveHeapMb?: number;
  postgresMs: number | null;
  postgresSeqRowsRead: number;
  readCalls: number;
  writeCalls: number;
  snapshotRows: number;
  canonicals: number;
  /** The simulators ran in a child process: the RSS figures are the worker's (and the bench's) alone. */
  separateSandbox?: boolean;
}

/**
 * A full resync with every connection pull-only: pulls, snapshots and reconcile into canonical
 * records, no op planned. Measures the read side alone at sizes where the whole sync does not fit
 * the time available, and whether memory grows with the provider's size during a pull.
 */
export async function runPullOnly(o: SizeOptions): Promise<PullOnlyResult> {
  const log = o.log ?? (() => {});
  const dbName = `bench_pull_${o.people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(o.adminUrl, dbName);
  await applyMigrations(databaseUrl);
  const sandbox = o.inProcessSandbox
    ? await inProcessSandbox(o.seed, o.people)
    : await childProcessSandbox(o.seed, o.people);
  try {
    const stack = await startStack({
      databaseUrl,
      redisUrl: o.redisUrl,
      prefix: `bench:${dbName}`,
      sandbox: stackSandbox(sandbox),
      configOverrides: { connection: { direction: 'pull', rateLimit: { max: 1_000_000, duration: '1s' } } },
    });
    global.gc?.();
    const baselineRssMb = Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;
    const pg0 = await postgresStats(o.adminUrl, databaseUrl, dbName);
    await sandbox.clearRequests();
    const rss = new RssSampler().start();
    const cpu0 = process.cpuUsage();
    const load0 = os.loadavg()[0]!;
    const t0 = performance.now();
    let snapshotRows = 0;
    let canonicals = 0;
    try {
      await stack.sync({ timeoutMs: o.timeoutMs ?? 30 * 60_000 });
      snapshotRows = await rowCount(stack.res.prisma, 'snapshots');
      canonicals = await rowCount(stack.res.prisma, 'people');
    } finally {
      await stack.close();
    }
    const wallMs = Math.round(performance.now() - t0);
    const peakRssMb = rss.stop();
    const peakLiveHeapMb = rss.liveHeapMb();
    const c = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 300));
    const pg1 = await postgresStats(o.adminUrl, databaseUrl, dbName);
    const { calls } = await sandbox.count();
    const out: PullOnlyResult = {
      people: o.people,
      wallMs,
      cpuMs: Math.round((c.user + c.system) / 1000),
      loadAvg1m: Math.round(((load0 + os.loadavg()[0]!) / 2) * 10) / 10,
      baselineRssMb,
      peakRssMb,
      peakLiveHeapMb,
      postgresMs: pg0.activeMs === null || pg1.activeMs === null ? null : Math.round(pg1.activeMs - pg0.activeMs),
      postgresSeqRowsRead: pg1.seqRowsRead - pg0.seqRowsRead,
      readCalls: calls.readCalls,
      writeCalls: calls.writeCalls,
      snapshotRows,
      canonicals,
    };
    if (!o.inProcessSandbox) out.separateSandbox = true;
    log(`  pull-only ${o.people}: ${JSON.stringify(out)}`);
    return out;
  } finally {
    await sandbox.stop();
    if (!o.keepDatabase) await dropDatabase(o.adminUrl, dbName);
  }
}
