/**
 * Runs the simulators in their own process, so that the bench process's RSS is the worker's alone.
 * Started by bench-sandbox.ts with an IPC channel: argv = seed, people. Sends `{ url, providers }`
 * once listening, then answers `{ id, cmd, args }` requests (counting the request log, the write
 * model, the incremental edits: `sandboxAnswers`) with `{ id, result }`; stops when the parent
 * disconnects.
 */
import { startSandbox } from '@contact-sync/simulators';
import { type SandboxCommand, sandboxAnswers } from './bench-sandbox.ts';

const [seed, people] = process.argv.slice(2).map(Number);
if (!Number.isInteger(seed) || !Number.isInteger(people)) {
  console.error('usage: node bench/sandbox-child.ts <seed> <people>');
  process.exit(2);
}
// Engine throughput, not the providers' limits: unlimited servers (the engine's budget is lifted too).
// R-Service reports X-RateLimit-* even unlimited (its documented 3,600 per hour), and the engine's
// budget waits out an exhausted Remaining until the Reset: past 3,600 requests (10,000 people)
// the sync would stall for the hour. A window too large to reach keeps those headers honest.
const sandbox = await startSandbox({
  port: 0,
  limits: 'none',
  rateLimit: { 'r-service': { max: 1_000_000_000, windowMs: 3_600_000 } },
  seed: seed!,
  contacts: people!,
  faults: 'none',
});
const answers = sandboxAnswers(sandbox);
process.on('message', (m: { id: number; cmd: SandboxCommand; args: unknown[] }) => {
  try {
    const fn = answers[m.cmd] as (...args: unknown[]) => unknown;
    if (typeof fn !== 'function') throw new Error(`unknown command "${String(m.cmd)}"`);
    process.send?.({ id: m.id, result: fn(...m.args) ?? null });
  } catch (err) {
    process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
process.send?.({ url: sandbox.url, providers: sandbox.providers });
process.on('disconnect', () => {
  void sandbox.stop().finally(() => process.exit(0));
});
