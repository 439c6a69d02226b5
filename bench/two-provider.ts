/**
 * The two-provider phase: N people in ChurchPad, NodePing empty, both ways, limits lifted. The
 * simplest job the engine does (one create per person, no matching across providers), beside
 * its own raw HTTP ceiling, so the engine's overhead per contact shows without the five-provider
 * sync's searches and sub-collections. The simulators run in this process.
 */
import os from 'node:os';
import { applyMigrations, createDatabase, dropDatabase } from '@contact-sync/services';
import { type ProviderKey, startSandbox } from '@contact-sync/simulators';
import { startStack } from '@contact-sync/testkit/stack';
import { countCalls, type RequestTimeline, requestTimeline } from './calls.ts';
import { type Ceiling, type CeilingLog, httpCeiling } from './ceiling.ts';
import {
  type EngineCounts,
  engineCounts,
  LoopDelay,
  postgresStats,
  profilePhase,
  pullsEndedAt,
  stackSandbox,
  statementStats,
} from './measure.ts';
import { PUSH_CONCURRENCY } from './model.ts';

const PAIR: ProviderKey[] = ['churchpad', 'nodeping'];

export interface TwoProviderResult {
  people: number;
  /** ChurchPad records seeded (a few people have a duplicate there). */
  churchpadRecords: number;
  initial: {
    wallMs: number;
    /** CPU of this whole process (worker and simulators) over the sync. */
    cpuMs: number;
    loadAvg1m: number;
    postgresMs: number | null;
    readCalls: number;
    writeCalls: number;
    nodepingRecords: number;
    engine: EngineCounts;
    /** This process's event-loop delay over the sync (`LoopDelay`); absent in older results. */
    loopDelayMs?: { p99: number; max: number };
    /** Where the wall went, from the simulators' request log (`requestTimeline`); absent in older results. */
    timeline?: RequestTimeline;
  };
  httpCeiling: Ceiling & { ratio: number };
}

export async function runTwoProvider(o: {
  people: number;
  seed: number;
  adminUrl: string;
  redisUrl: string;
  log?: (msg: string) => void;
  timeoutMs?: number;
}): Promise<TwoProviderResult> {
  const log = o.log ?? (() => {});
  const dbName = `bench_two_${o.people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(o.adminUrl, dbName);
  await applyMigrations(databaseUrl);
  const sandbox = await startSandbox({
    port: 0,
    limits: 'none',
    seed: o.seed,
    contacts: o.people,
    faults: 'none',
    seedProviders: ['churchpad'],
  });
  try {
    const churchpadRecords = sandbox.people.reduce((n, p) => n + (p.records.churchpad?.length ?? 0), 0);
    const stack = await startStack({
      databaseUrl,
      redisUrl: o.redisUrl,
      prefix: `bench:${dbName}`,
      sandbox: stackSandbox(sandbox),
      configOverrides: {
        providers: PAIR,
        push: { attempts: 8, backoff: 100, concurrency: PUSH_CONCURRENCY },
        connection: { rateLimit: { max: 1_000_000, duration: '1s' } },
      },
    });
    log(`two providers, ${o.people} people (${churchpadRecords} ChurchPad records): initial sync`);
    await statementStats(o.adminUrl, dbName, 'reset');
    const pg0 = await postgresStats(o.adminUrl, databaseUrl, dbName);
    sandbox.clearRequests();
    const e0 = engineCounts();
    const cpu0 = process.cpuUsage();
    const load0 = os.loadavg()[0]!;
    const t0 = performance.now();
    const startedAt = Date.now();
    const profile = await profilePhase('two-provider');
    const loop = new LoopDelay().start();
    try {
      await stack.sync({ timeoutMs: o.timeoutMs ?? 60 * 60_000 });
    } finally {
      await profile.stop();
      await stack.close();
    }
    const wallMs = Math.round(performance.now() - t0);
    const endedAt = Date.now();
    const loopDelayMs = loop.stop();
    const c = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 300));
    const pg1 = await postgresStats(o.adminUrl, databaseUrl, dbName);
    await statementStats(o.adminUrl, dbName, 'two providers', log);
    const calls = countCalls(sandbox);
    const log0: CeilingLog = sandbox
      .requests()
      .map((r) => ({ provider: r.provider, path: r.path, isWrite: r.isWrite }));
    const nodepingRecords = Object.keys(sandbox.sim.nodeping.list()).length;
    const initial = {
      wallMs,
      cpuMs: Math.round((c.user + c.system) / 1000),
      loadAvg1m: Math.round(((load0 + os.loadavg()[0]!) / 2) * 10) / 10,
      postgresMs: pg0.activeMs === null || pg1.activeMs === null ? null : Math.round(pg1.activeMs - pg0.activeMs),
      readCalls: calls.readCalls,
      writeCalls: calls.writeCalls,
      nodepingRecords,
      engine: engineCounts(e0, calls.writeCalls),
      loopDelayMs,
      timeline: requestTimeline(sandbox.requests(), startedAt, endedAt, await pullsEndedAt(databaseUrl, startedAt)),
    };
    log(`  two providers: ${wallMs} ms, ${calls.readCalls} reads, ${calls.writeCalls} writes; raw HTTP ceiling`);
    const ceiling = await httpCeiling({ seed: o.seed, people: o.people, seedProviders: ['churchpad'] }, log0);
    log(`  two-provider ceiling: ${ceiling.requests} requests in ${ceiling.wallMs} ms`);
    return {
      people: o.people,
      churchpadRecords,
      initial,
      httpCeiling: { ...ceiling, ratio: Math.round((wallMs / Math.max(1, ceiling.wallMs)) * 10) / 10 },
    };
  } finally {
    await sandbox.stop();
    await dropDatabase(o.adminUrl, dbName);
  }
}
