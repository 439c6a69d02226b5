import type { Config } from '@contact-sync/engine/config';
import { createLogger, type Logger } from '@contact-sync/engine/logger';
import { closeResources, createResources, type Resources } from '@contact-sync/engine/resources';
import { type RunProgress, runProgress, startResync } from '@contact-sync/engine/resync';
import { type RunningWorker, startWorker } from '@contact-sync/engine/worker';
import type { FaultConfig, Sandbox, SandboxOptions } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import { closeStore, createPrisma } from '@contact-sync/store';
import { DEFAULT_TEST_TIME_SCALE, sandboxConfig } from './sandbox-config.ts';

/**
 * A whole contact-sync in one process against real Postgres and Redis and the five
 * simulators: what the end-to-end tests, the demo and the benchmarks drive.
 */
export interface Stack {
  sandbox: Sandbox;
  res: Resources;
  worker: RunningWorker;
  env: Record<string, string>;
  config: Config;
  /** Starts a resync and waits until it is complete (pulls done, reconciled, no op pending). */
  sync(opts?: {
    full?: boolean;
    connectionId?: string;
    timeoutMs?: number;
    onProgress?: (p: RunProgress) => void;
  }): Promise<RunProgress>;
  close(): Promise<void>;
}

export interface StackOptions {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  sandbox?: Sandbox;
  sandboxOptions?: SandboxOptions;
  faults?: string | FaultConfig;
  logger?: Logger;
  configOverrides?: Parameters<typeof sandboxConfig>[1];
  /** Start the worker's consumers (false: a second process runs them). */
  startConsumers?: boolean;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const sandbox =
    opts.sandbox ??
    (await startSandbox({
      port: 0,
      seed: 1,
      contacts: 40,
      timeScale: DEFAULT_TEST_TIME_SCALE,
      ...opts.sandboxOptions,
      ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
    }));
  if (opts.sandbox && opts.faults !== undefined) sandbox.setFaults(opts.faults);
  const { config, env } = sandboxConfig(sandbox.providers, {
    push: { attempts: 8, backoff: 100, concurrency: 4 },
    timeScale: sandbox.timeScale,
    ...opts.configOverrides,
  });
  // Under vitest the engine's expected complaints (a killed Redis, injected faults) would bury the
  // test report: silent unless LOG_LEVEL asks for more.
  const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'warn');
  const logger = opts.logger ?? createLogger({ level, pretty: false });
  const res = createResources({
    config,
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    logger,
    env,
    minBackoffMs: 20,
    probeIntervalMs: Math.max(100, Math.round(60_000 / sandbox.timeScale)),
  });
  // Watching a sync's progress is the harness's work, not the engine's: its own client, whose
  // statements the bench's count of the engine's round trips leaves out.
  const watcher = createPrisma(opts.databaseUrl, { poolSize: 1, counted: false });
  const worker =
    opts.startConsumers === false
      ? { workers: [], close: async () => {} }
      : await startWorker(res, { schedule: false });
  const sync: Stack['sync'] = async (o = {}) => {
    const run = await startResync(res, {
      full: o.full ?? true,
      ...(o.connectionId ? { connectionId: o.connectionId } : {}),
    });
    const started = Date.now();
    const deadline = started + (o.timeoutMs ?? 60_000);
    for (;;) {
      const p = await runProgress(watcher, run.id);
      if (!p) throw new Error(`run ${run.id} vanished`);
      o.onProgress?.(p);
      if (p.complete) return p;
      if (Date.now() > deadline) {
        const jobs = await res.queues.reconcile.getJobs(['waiting', 'active', 'delayed', 'failed', 'completed'], 0, 20);
        const seen = await Promise.all(jobs.map(async (j) => `${j.id}:${await j.getState()}:${j.failedReason ?? ''}`));
        throw new Error(
          `resync ${run.id} not complete in time: ${JSON.stringify(p)} reconcile jobs: ${seen.join(', ')}`,
        );
      }
      // Every 100 ms at first, then less often (up to 1 s): progress counts unfinished ops and
      // flagged people, which costs in proportion to them on a large sync.
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 + (Date.now() - started) / 50)));
    }
  };
  return {
    sandbox,
    res,
    worker,
    env,
    config,
    sync,
    close: async () => {
      await worker.close();
      await closeResources(res);
      await closeStore(watcher);
      if (!opts.sandbox) await sandbox.stop();
    },
  };
}
