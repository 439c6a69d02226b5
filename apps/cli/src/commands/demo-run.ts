import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@contact-sync/engine/logger';
import { applyMigrations, createDatabase, dropDatabase, provideServices } from '@contact-sync/services';
import { PROVIDER_KEYS, startSandbox } from '@contact-sync/simulators';
import { countOps } from '@contact-sync/store';
import { divergences } from '@contact-sync/testkit/convergence';
import { DEFAULT_TEST_TIME_SCALE } from '@contact-sync/testkit/sandbox-config';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { adminToken, type RunningAdmin, startAdmin } from '../admin-server.ts';
import { EXIT, type Io } from '../cli.ts';
import { Interrupted, Lifecycle, unlessInterrupted } from '../lifecycle.ts';
import { createProgress } from '../progress.ts';
import { type RunOutcome, waitForRun } from '../run-wait.ts';
import { conflictCounts, opCounts, providerCounts, quarantineSummary } from '../summary.ts';
import type { DemoOptions } from './demo.ts';
import { type DemoSummary, printSummary, type SyncCounts } from './demo-summary.ts';

export async function runDemo(opts: DemoOptions, io: Io): Promise<number> {
  const started = Date.now();
  const say = (line: string) => io.err(`[demo] ${line}`);
  const life = new Lifecycle(say);
  try {
    const summary = await unlessInterrupted(life, demo(opts, io, life, say, started));
    printSummary(summary, opts, io);
    if (!opts.exit && summary.adminUrl) {
      say(`serving the admin page at ${summary.adminUrl} — press Ctrl-C to stop`);
      await life.interrupted;
    }
    say('stopping…');
    await life.stop();
    return summary.converged ? EXIT.ok : EXIT.failure;
  } catch (err) {
    if (err instanceof Interrupted) {
      if (!opts.json) io.err('');
      say(`${err.message}: stopping everything…`);
      await life.stop();
      return 130;
    }
    say(`failed: ${(err as Error).message}`);
    await life.stop();
    return EXIT.failure;
  } finally {
    life.release();
  }
}

async function demo(
  opts: DemoOptions,
  io: Io,
  life: Lifecycle,
  say: (line: string) => void,
  started: number,
): Promise<DemoSummary> {
  say(
    `${opts.contacts} people, seed ${opts.seed}${opts.faults === 'none' ? '' : `, faults "${opts.faults}"`}; ` +
      'providing Postgres and Redis…',
  );
  const services = await provideServices({ log: (m) => say(m) });
  life.add('database servers', () => services.stop());
  say(`Postgres: ${services.sources.postgres}, Redis: ${services.sources.redis}`);

  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `cs_demo_${id}`;
  const databaseUrl = await createDatabase(services.databaseUrl, dbName);
  if (services.sources.postgres === 'env') life.add('demo database', () => dropDatabase(services.databaseUrl, dbName));
  const applied = await applyMigrations(databaseUrl, { log: () => {} });
  say(`database ${dbName}: ${applied.applied.length} migrations applied`);

  const sandbox = await startSandbox({
    timeScale: DEFAULT_TEST_TIME_SCALE,
    port: 0,
    seed: opts.seed,
    contacts: opts.contacts,
    ...(opts.faults !== 'none' ? { faults: opts.faults } : {}),
  });
  life.add('simulators', () => sandbox.stop());
  say(`simulators on ${sandbox.url} (${PROVIDER_KEYS.join(', ')})`);
  const before = providerCounts(sandbox);

  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false });
  const prefix = `cs-demo-${id}`;
  const stack: Stack = await startStack({ databaseUrl, redisUrl: services.redisUrl, prefix, sandbox, logger });
  life.add('worker', () => stack.close());

  let admin: RunningAdmin | null = null;
  const token = adminToken();
  try {
    admin = await startAdmin(stack.res, { token, port: opts.port });
    life.add('admin server', () => admin!.close());
  } catch (err) {
    say(`the admin page is unavailable: ${(err as Error).message.split('\n')[0]}`);
  }
  const adminUrl = admin ? `${admin.url}/ui/#token=${token}` : null;
  if (!opts.exit) writeDemoEnv(stack, { databaseUrl, redisUrl: services.redisUrl, prefix, token, adminUrl }, life, say);

  const first = await sync(stack, 'full sync', opts, io);
  if (!first.complete) throw new Error('the full sync failed (see above)');
  sandbox.clearRequests();
  const second = await sync(stack, 'second resync', opts, io);
  const writeCalls = sandbox.writeCount();
  const requests = sandbox.requestCount();
  const writes = sandbox
    .requests()
    .filter((r) => r.isWrite)
    .slice(0, 10)
    .map((r) => ({ provider: r.provider, method: r.effectiveMethod, path: r.path, status: r.status }));

  const connectionIds = [...stack.res.connections.keys()];
  const [ops, conflicts, quarantined, diverged] = await Promise.all([
    opCounts(stack.res.prisma, connectionIds),
    conflictCounts(stack.res.prisma),
    quarantineSummary(stack.res.prisma),
    divergences(stack.res),
  ]);
  const after = providerCounts(sandbox);
  const pending = await countOps(stack.res.prisma, { status: ['pending', 'in_flight'] });
  const converged =
    first.complete &&
    second.complete &&
    diverged.length === 0 &&
    writeCalls === 0 &&
    second.counts.opsPlanned === 0 &&
    pending === 0;
  if (diverged.length > 0) {
    say(`${diverged.length} linked records differ from their canonical record, e.g.:`);
    for (const d of diverged.slice(0, 3))
      say(`  ${d.connectionId}/${d.externalId}: ${JSON.stringify(d.expected)} vs ${JSON.stringify(d.actual)}`);
  }
  return {
    converged,
    contacts: opts.contacts,
    seed: opts.seed,
    faults: opts.faults,
    services: { postgres: services.sources.postgres, redis: services.sources.redis },
    providers: Object.fromEntries(PROVIDER_KEYS.map((k) => [k, { before: before[k], after: after[k] }])),
    ops,
    conflicts: conflicts.byKind,
    conflictsByStatus: conflicts.byStatus,
    quarantined,
    firstSync: first.counts,
    secondResync: { ...second.counts, writeCalls, requests, writes },
    divergences: diverged.length,
    divergent: diverged
      .slice(0, 10)
      .map((d) => ({ connectionId: d.connectionId, externalId: d.externalId, canonicalId: d.canonicalId })),
    durationMs: Date.now() - started,
    adminUrl,
  };
}

async function sync(stack: Stack, label: string, opts: DemoOptions, io: Io) {
  const progress = createProgress(label, { tty: io.tty });
  const t0 = Date.now();
  let outcome: RunOutcome;
  try {
    outcome = await waitForRun(stack.res, { full: true }, { timeoutMs: opts.timeoutMs, onProgress: progress.update });
  } finally {
    progress.done();
  }
  for (const f of outcome.failedConnections)
    io.err(`[demo] ${label}: the pull of ${f.connectionId} failed: ${f.error}`);
  const p = outcome.progress;
  const r = p.run;
  return {
    complete: outcome.ok,
    counts: {
      runId: r.id,
      status: r.status,
      durationMs: Date.now() - t0,
      pulled: r.pulled,
      changed: r.changed,
      opsPlanned: r.opsPlanned,
      opsApplied: r.opsApplied,
      opsFailed: r.opsFailed,
      conflicts: r.conflicts,
      pullsFailed: outcome.failedConnections.length,
    } satisfies SyncCounts,
  };
}

/**
 * Writes the demo's config and environment to a temp dir, so the CLI can be tried on the
 * running demo from another terminal (`set -a; . demo.env; set +a; contact-sync status`).
 */
function writeDemoEnv(
  stack: Stack,
  v: { databaseUrl: string; redisUrl: string; prefix: string; token: string; adminUrl: string | null },
  life: Lifecycle,
  say: (line: string) => void,
): void {
  const dir = mkdtempSync(join(tmpdir(), 'contact-sync-demo-'));
  life.add('demo env files', async () => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'contact-sync.config.json');
  writeFileSync(configPath, `${JSON.stringify(stack.config, null, 2)}\n`);
  const env: Record<string, string> = {
    CONTACT_SYNC_CONFIG: configPath,
    DATABASE_URL: v.databaseUrl,
    REDIS_URL: v.redisUrl,
    CONTACT_SYNC_PREFIX: v.prefix,
    ADMIN_TOKEN: v.token,
    ...stack.env,
  };
  const envPath = join(dir, 'demo.env');
  writeFileSync(
    envPath,
    `${Object.entries(env)
      .map(([k, val]) => `${k}='${val.replace(/'/g, `'\\''`)}'`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  say(`CLI on this demo from another shell: set -a; . ${envPath}; set +a; npm run contact-sync -- status`);
}
