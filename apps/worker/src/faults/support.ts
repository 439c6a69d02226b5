import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROVIDER_KEYS } from '@contact-sync/connectors';
import type { ProviderKey, Sandbox, SandboxOptions } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import type { PrismaClient } from '@contact-sync/store';
import { expect } from 'vitest';
import type { Config } from '../config.ts';
import { runProgress } from '../resync.ts';
import { DEFAULT_TEST_TIME_SCALE } from '../sandbox-config.ts';
import { startStack } from '../stack.ts';

/** The providers, from the connectors' registry. */
export const PROVIDERS: readonly ProviderKey[] = PROVIDER_KEYS;

/** The worker process entry the crash tests spawn. */
export const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url));

// ---------------------------------------------------------------- provider state

const DROP_KEY = /^(id|_id|created_at|updated_at|createdAt|updatedAt|dates|sdomain|count)$/;
const ID_MAP_KEY = /^[0-9A-Z-]{8,}$/;

/**
 * A provider's state without what differs between two runs that did the same thing:
 * ids, timestamps, and the order of records (maps keyed by ids become sorted lists).
 */
export function normalizeState(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeState).sort(byJson);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([k]) => ID_MAP_KEY.test(k)))
      return entries.map(([, x]) => normalizeState(x)).sort(byJson);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries.sort(([a], [b]) => (a < b ? -1 : 1)))
      if (!DROP_KEY.test(k)) out[k] = normalizeState(x);
    return out;
  }
  return v;
}
const byJson = (a: unknown, b: unknown) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The records (people/contacts) of a provider's raw state, one entry per record. */
export function recordsOf(provider: ProviderKey, state: unknown): unknown[] {
  const s = state as Record<string, unknown>;
  switch (provider) {
    case 'ilert':
      return s.users as unknown[];
    case 'churchpad':
      return s.results as unknown[];
    case 'nodeping':
      return Object.values(s).flatMap((contacts) => Object.values(contacts as object));
    case 'growcrm':
      return s.contacts as unknown[];
    case 'r-service':
      return s.people as unknown[];
  }
}

/** Each provider's records, normalized, as sorted JSON lines (comparable across runs). */
export type States = Record<ProviderKey, string[]>;

export function providerStates(sandbox: Sandbox): States {
  const out = {} as States;
  for (const p of PROVIDERS)
    out[p] = recordsOf(p, sandbox.state(p))
      .map((r) => JSON.stringify(normalizeState(r)))
      .sort();
  return out;
}

/** Records one run holds and the other does not, per provider (empty when the states are equal). */
export function stateDiff(
  expected: States,
  actual: States,
): { provider: ProviderKey; missing: string[]; extra: string[] }[] {
  const out: { provider: ProviderKey; missing: string[]; extra: string[] }[] = [];
  for (const p of PROVIDERS) {
    const rest = new Map<string, number>();
    for (const r of actual[p]) rest.set(r, (rest.get(r) ?? 0) + 1);
    const missing: string[] = [];
    for (const r of expected[p]) {
      const n = rest.get(r) ?? 0;
      if (n > 0) rest.set(r, n - 1);
      else missing.push(r);
    }
    const extra = [...rest].flatMap(([r, n]) => Array<string>(n).fill(r));
    if (missing.length || extra.length) out.push({ provider: p, missing, extra });
  }
  return out;
}

const EMAIL = /[^\s"@<>(),;:]+@[^\s"@<>(),;:]+\.[a-z]{2,}/gi;

/** Per provider: email → how many records hold it (any case). */
export function emailCounts(states: States): Record<ProviderKey, Map<string, number>> {
  const out = {} as Record<ProviderKey, Map<string, number>>;
  for (const p of PROVIDERS) {
    const m = new Map<string, number>();
    for (const r of states[p]) {
      // NodePing sub-accounts are separate address books: a copy in another one is not a duplicate.
      const scope = (JSON.parse(r) as { customer_id?: string }).customer_id;
      const emails = new Set((r.match(EMAIL) ?? []).map((e) => e.toLowerCase()));
      for (const e of emails) {
        const key = scope ? `${e} (${scope})` : e;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
    out[p] = m;
  }
  return out;
}

/**
 * Emails held by more records than in the reference run (the seed has a few deliberate
 * duplicates, so "twice" alone is not a fault; "more often than an undisturbed run" is).
 */
export function duplicates(reference: States, actual: States) {
  const ref = emailCounts(reference);
  const act = emailCounts(actual);
  const out: { provider: ProviderKey; email: string; count: number; reference: number }[] = [];
  for (const p of PROVIDERS)
    for (const [email, count] of act[p]) {
      const r = ref[p].get(email) ?? 0;
      if (count > Math.max(1, r)) out.push({ provider: p, email, count, reference: r });
    }
  return out;
}

// ---------------------------------------------------------------- ops

/** Every outbox op must end done/superseded, or failed with its reason recorded. */
export async function opsAccounting(prisma: PrismaClient) {
  const byStatus = await prisma.outboxOp.groupBy({ by: ['status'], _count: true });
  const count = Object.fromEntries(byStatus.map((s) => [s.status, s._count])) as Record<string, number>;
  const failed = await prisma.outboxOp.findMany({
    where: { status: 'failed' },
    select: { id: true, connectionId: true, kind: true, lastError: true },
  });
  return {
    total: byStatus.reduce((n, s) => n + s._count, 0),
    done: count.done ?? 0,
    superseded: count.superseded ?? 0,
    failed,
    unfinished: (count.pending ?? 0) + (count.in_flight ?? 0),
    unexplained: failed.filter((f) => !f.lastError).length,
  };
}

/** Asserts the "every op accounted for" rule: none left pending or in flight, every failure explained. */
export async function expectOpsAccounted(prisma: PrismaClient): Promise<void> {
  const ops = await opsAccounting(prisma);
  expect(ops.unfinished, 'ops left pending or in flight').toBe(0);
  expect(ops.unexplained, 'failed ops without a recorded reason').toBe(0);
}

// ---------------------------------------------------------------- reference run

export interface ReferenceRun {
  states: States;
  writes: number;
}

/**
 * A fault-free, undisturbed run of the same seed in its own database and sandbox: one full
 * sync, then a second that must write nothing. What the disturbed runs are compared to.
 */
export async function referenceRun(opts: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  sandboxOptions: SandboxOptions;
  configOverrides?: Parameters<typeof startStack>[0]['configOverrides'];
  timeoutMs?: number;
}): Promise<ReferenceRun> {
  const sandbox = await startSandbox({
    timeScale: DEFAULT_TEST_TIME_SCALE,
    port: 0,
    ...opts.sandboxOptions,
    faults: 'none',
  });
  const stack = await startStack({
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    sandbox,
    ...(opts.configOverrides ? { configOverrides: opts.configOverrides } : {}),
  });
  try {
    await stack.sync({ timeoutMs: opts.timeoutMs ?? 120_000 });
    const writes = sandbox.writeCount();
    await stack.sync({ timeoutMs: opts.timeoutMs ?? 120_000 });
    if (sandbox.writeCount() !== writes) throw new Error('reference run: the second sync wrote');
    return { states: providerStates(sandbox), writes };
  } finally {
    await stack.close();
    await sandbox.stop();
  }
}

// ---------------------------------------------------------------- worker processes

export interface ChildWorker {
  child: ChildProcess;
  pid: number;
  /** stderr lines so far (JSON log lines). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ChildWorkerOptions {
  config: Config;
  /** Credentials (the config's credentialEnv variables). */
  env: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  dir?: string;
  logLevel?: string;
  /** Job lock lifetime: how soon a killed worker's jobs are handed on (default 3 s here). */
  lockMs?: number;
  /** Node options before the entry (e.g. `--import` of a preload module). */
  nodeArgs?: string[];
  /** More environment variables for the process. */
  extraEnv?: Record<string, string>;
}

/** Writes the config where a worker process reads it. */
export function writeConfigFile(config: Config, dir = join(tmpdir(), 'cs-faults')): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `config-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Spawns `node bin.ts` and resolves once it logged "worker started". */
export async function spawnWorker(opts: ChildWorkerOptions): Promise<ChildWorker> {
  const configPath = writeConfigFile(opts.config, opts.dir);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, '--config', configPath], {
    env: {
      PATH: process.env.PATH ?? '',
      ...opts.env,
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: opts.redisUrl,
      CONTACT_SYNC_PREFIX: opts.prefix,
      CONTACT_SYNC_SCHEDULE: 'off',
      CONTACT_SYNC_MIN_BACKOFF_MS: '20',
      CONTACT_SYNC_LOCK_MS: String(opts.lockMs ?? 3000),
      CONTACT_SYNC_STALLED_MS: String(Math.max(500, Math.floor((opts.lockMs ?? 3000) / 3))),
      LOG_LEVEL: opts.logLevel ?? 'info',
      NODE_ENV: 'production',
      ...opts.extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let buf = '';
  let onLine: ((line: string) => void) | null = null;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      onLine?.(line);
      i = buf.indexOf('\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in time:\n${lines.join('\n')}`)), 30_000);
    onLine = (line) => {
      if (line.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker exited before starting (code ${code}, signal ${signal}):\n${lines.join('\n')}`));
    });
  });
  onLine = null;
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A seeded PRNG (mulberry32) so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a run until it is complete (pulls done, reconciled, no op pending). */
export async function waitComplete(
  prisma: PrismaClient,
  runId: string,
  timeoutMs: number,
): Promise<NonNullable<Awaited<ReturnType<typeof runProgress>>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await runProgress(prisma, runId);
    if (!p) throw new Error(`run ${runId} vanished`);
    if (p.complete) return p;
    if (Date.now() > deadline) throw new Error(`run ${runId} not complete in time: ${JSON.stringify(p)}`);
    await sleep(100);
  }
}

/** Injected faults by kind, from the sandbox's request log. */
export function faultCounts(sandbox: Sandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of sandbox.requests()) if (r.fault) out[r.fault] = (out[r.fault] ?? 0) + 1;
  return out;
}

/**
 * For a failing comparison: the outbox ops that touched the e-mails of the differing
 * records, and the run timeline, so a CI failure can be read without re-running it.
 */
export async function explainDiff(prisma: PrismaClient, diff: ReturnType<typeof stateDiff>): Promise<string> {
  const emails = new Set<string>();
  for (const d of diff)
    for (const r of [...d.missing, ...d.extra]) for (const e of r.match(EMAIL) ?? []) emails.add(e.toLowerCase());
  const lines: string[] = [];
  for (const email of [...emails].slice(0, 5)) {
    const ops = await prisma.outboxOp.findMany({ orderBy: { createdAt: 'asc' } });
    for (const o of ops.filter((x) =>
      JSON.stringify(x.target ?? '')
        .toLowerCase()
        .includes(email),
    ))
      lines.push(
        `op ${email} ${o.connectionId} ${o.kind} ${o.status} canonical=${o.canonicalId.slice(0, 8)} attempts=${o.attempts} at=${o.createdAt.toISOString()} target=${JSON.stringify(o.target)} ${o.lastError ?? ''}`,
      );
  }
  const runs = await prisma.syncRun.findMany({ orderBy: { startedAt: 'asc' } });
  for (const r of runs)
    lines.push(`run ${r.kind} ${r.connectionId ?? '*'} ${r.status} ${r.startedAt.toISOString()} ${r.error ?? ''}`);
  return lines.join('\n');
}

/** Asserts-friendly: the diff, with an explanation printed when it is not empty. */
export async function diffExplained(prisma: PrismaClient, expected: States, actual: States) {
  const diff = stateDiff(expected, actual);
  if (diff.length > 0) console.error(`state diff explained:\n${await explainDiff(prisma, diff)}`);
  return diff;
}

/** Divergences in one line each: which fields differ (for readable failures). */
export function divergenceSummary(list: Awaited<ReturnType<typeof import('../convergence.ts').divergences>>) {
  const strip = (v: unknown) => JSON.stringify(v, (k, x) => (k === 'raw' ? undefined : x));
  return list.map((d) => {
    const keys = new Set([...Object.keys(d.expected), ...Object.keys(d.actual ?? {})]);
    const fields = [...keys].filter(
      (k) =>
        strip((d.expected as Record<string, unknown>)[k]) !== strip((d.actual as Record<string, unknown> | null)?.[k]),
    );
    return `${d.connectionId}/${d.externalId}: ${d.actual ? fields.map((f) => `${f} expected ${strip((d.expected as Record<string, unknown>)[f])} got ${strip((d.actual as Record<string, unknown>)[f])}`).join('; ') : 'missing at the provider'}`;
  });
}
