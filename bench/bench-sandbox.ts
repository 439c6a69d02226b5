/**
 * The simulators as one size's bench sees them: in this process, or in a child process
 * (bench/sandbox-child.ts) so that the bench process's RSS is the worker's alone. Everything the
 * bench needs of them — counting the request log, the minimum-write model, the incremental edits —
 * runs where the simulators' data lives, and only the results cross the process boundary.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import { type CallCounts, countCalls, type RequestTimeline, requestTimeline, writeKinds } from './calls.ts';
import type { CeilingLog } from './ceiling.ts';
import { processCpuMs } from './cpu.ts';
import { applyEdits, type Edit, type MinWrites, minWriteCalls, planEdits } from './model.ts';

export interface Counted {
  calls: CallCounts;
  writes: Record<string, number>;
}

export interface SandboxPlan {
  min: MinWrites;
  edits: Edit[];
  incrementalMin: number;
}

export interface BenchSandbox {
  url: string;
  providers: Sandbox['providers'];
  clearRequests(): Promise<void>;
  count(): Promise<Counted>;
  /**
   * Writes the request log, reduced to what the raw HTTP ceiling replays, to `file` (JSON): it
   * stays out of the worker's process until the ceiling runs, after the phases whose RSS counts.
   */
  saveRequestLog(file: string): Promise<number>;
  /** The request log since the last clear in spans (`requestTimeline`), for a phase from `startedAt` to `endedAt` (epoch ms). */
  timeline(startedAt: number, endedAt: number, pullsEndedAt: number | null): Promise<RequestTimeline>;
  plan(seed: number): Promise<SandboxPlan>;
  applyEdits(edits: readonly Edit[]): Promise<void>;
  /** CPU time the simulators' process has used so far, in ms (null: they run in the bench's own process). */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/** What both kinds answer, computed next to the data. */
export const sandboxAnswers = (sandbox: Sandbox) => ({
  clearRequests: () => sandbox.clearRequests(),
  count: (): Counted => ({ calls: countCalls(sandbox), writes: writeKinds(sandbox) }),
  saveRequestLog: (file: string): number => {
    const log: CeilingLog = sandbox.requests().map((r) => ({ provider: r.provider, path: r.path, isWrite: r.isWrite }));
    writeFileSync(file, JSON.stringify(log));
    return log.length;
  },
  timeline: (startedAt: number, endedAt: number, pullsEndedAt: number | null): RequestTimeline =>
    requestTimeline(sandbox.requests(), startedAt, endedAt, pullsEndedAt),
  plan: (seed: number): SandboxPlan => {
    const { edits, minWriteCalls: incrementalMin } = planEdits(sandbox.people, seed);
    return {
      min: minWriteCalls(sandbox.people, String(sandbox.providers.nodeping.options.customerId)),
      edits,
      incrementalMin,
    };
  },
  applyEdits: (edits: readonly Edit[]) => applyEdits(sandbox, edits),
});
export type SandboxCommand = keyof ReturnType<typeof sandboxAnswers>;

export async function inProcessSandbox(seed: number, people: number): Promise<BenchSandbox> {
  // Engine throughput, not the providers' limits: unlimited servers (the engine's budget is lifted too).
  const sandbox = await startSandbox({ port: 0, limits: 'none', seed, contacts: people, faults: 'none' });
  const a = sandboxAnswers(sandbox);
  return {
    url: sandbox.url,
    providers: sandbox.providers,
    clearRequests: async () => a.clearRequests(),
    count: async () => a.count(),
    saveRequestLog: async (file) => a.saveRequestLog(file),
    timeline: async (from, to, pulls) => a.timeline(from, to, pulls),
    plan: async (s) => a.plan(s),
    applyEdits: async (edits) => a.applyEdits(edits),
    cpuMs: () => null,
    stop: () => sandbox.stop(),
  };
}

export async function childProcessSandbox(seed: number, people: number): Promise<BenchSandbox> {
  const child = fork(
    join(dirname(fileURLToPath(import.meta.url)), 'sandbox-child.ts'),
    [String(seed), String(people)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The simulators at 100,000 people hold more than Node's default heap.
      execArgv: ['--max-old-space-size=8192'],
    },
  );
  const info = await new Promise<{ url: string; providers: Sandbox['providers'] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; providers: Sandbox['providers'] }));
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${code}`)));
  });
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(`sandbox child: ${m.error}`));
    else w?.resolve(m.result);
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`sandbox child exited with ${code}`));
    waiting.clear();
  });
  const call = <T>(cmd: SandboxCommand, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, args });
    });
  return {
    url: info.url,
    providers: info.providers,
    clearRequests: () => call('clearRequests'),
    count: () => call('count'),
    saveRequestLog: (file) => call('saveRequestLog', file),
    timeline: (from, to, pulls) => call('timeline', from, to, pulls),
    plan: (s) => call('plan', s),
    applyEdits: (edits) => call('applyEdits', edits),
    cpuMs: () => (child.pid === undefined ? null : processCpuMs(child.pid)),
    stop: async () => {
      child.disconnect();
      await new Promise((r) => child.once('exit', r));
    },
  };
}
