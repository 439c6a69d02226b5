import { runProgress } from '@contact-sync/engine/resync';
import type { Sandbox, SandboxOptions } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import { allOps, allRuns, type Db, opsByStatusWithFailures, type Store } from '@contact-sync/store';
import { expect } from 'vitest';
import { DEFAULT_TEST_TIME_SCALE } from '../sandbox-config.ts';
import { startStack } from '../stack.ts';
import { EMAIL, providerStates, type States, stateDiff } from './provider-state.ts';

export * from './provider-state.ts';

// ---------------------------------------------------------------- ops

/** Every outbox op must end done/superseded, or failed with its reason recorded. */
export async function opsAccounting(prisma: Db) {
  const { byStatus, failed } = await opsByStatusWithFailures(prisma);
  const count: Record<string, number> = Object.fromEntries(byStatus.map((s) => [s.status, s.n]));
  return {
    total: byStatus.reduce((n, s) => n + s.n, 0),
    done: count.done ?? 0,
    superseded: count.superseded ?? 0,
    failed,
    unfinished: (count.pending ?? 0) + (count.in_flight ?? 0),
    unexplained: failed.filter((f) => !f.lastError).length,
  };
}

/** Asserts the "every op accounted for" rule: none left pending or in flight, every failure explained. */
export async function expectOpsAccounted(prisma: Db): Promise<void> {
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
  prisma: Store,
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
async function explainDiff(prisma: Db, diff: ReturnType<typeof stateDiff>): Promise<string> {
  const emails = new Set<string>();
  for (const d of diff)
    for (const r of [...d.missing, ...d.extra]) for (const e of r.match(EMAIL) ?? []) emails.add(e.toLowerCase());
  const lines: string[] = [];
  for (const email of [...emails].slice(0, 5)) {
    const ops = await allOps(prisma);
    for (const o of ops.filter((x) =>
      JSON.stringify(x.target ?? '')
        .toLowerCase()
        .includes(email),
    ))
      lines.push(
        `op ${email} ${o.connectionId} ${o.kind} ${o.status} canonical=${o.canonicalId.slice(0, 8)} attempts=${o.attempts} at=${o.createdAt.toISOString()} target=${JSON.stringify(o.target)} ${o.lastError ?? ''}`,
      );
  }
  const runs = await allRuns(prisma);
  for (const r of runs)
    lines.push(`run ${r.kind} ${r.connectionId ?? '*'} ${r.status} ${r.startedAt.toISOString()} ${r.error ?? ''}`);
  return lines.join('\n');
}

/** Asserts-friendly: the diff, with an explanation printed when it is not empty. */
export async function diffExplained(prisma: Db, expected: States, actual: States) {
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
