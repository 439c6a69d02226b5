/**
 * Runs the simulators in their own process, so that the bench process's RSS is the worker's alone.
 * Started by measure.ts with an IPC channel: argv = seed, people. Sends `{ url, providers }` once
 * listening, stops when the parent disconnects.
 */
import { startSandbox } from '@contact-sync/simulators';

const [seed, people] = process.argv.slice(2).map(Number);
if (!Number.isInteger(seed) || !Number.isInteger(people)) {
  console.error('usage: node bench/sandbox-child.ts <seed> <people>');
  process.exit(2);
}
const sandbox = await startSandbox({ port: 0, seed: seed!, contacts: people!, faults: 'none' });
process.send?.({ url: sandbox.url, providers: sandbox.providers });
process.on('disconnect', () => {
  void sandbox.stop().finally(() => process.exit(0));
});
