// The one test command (`npm test`): lint, type check, then every vitest project (unit and
// integration; the integration global setup provides Postgres and Redis by itself).
// Runs every step, then exits non-zero naming the steps that failed.
// Extra arguments go to vitest: `npm test -- --project core:unit`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `node ${process.version} is too old: run through npm (npm test) so node_modules/.bin/node (24) is used\n`,
  );
  process.exit(1);
}

const steps: { name: string; command: string; args: string[] }[] = [
  { name: 'lint (biome check .)', command: bin('biome'), args: ['check', '.'] },
  { name: 'typecheck (tsc --noEmit)', command: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
  { name: 'tests (vitest run)', command: bin('vitest'), args: ['run', ...process.argv.slice(2)] },
];

const failed: string[] = [];
for (const step of steps) {
  process.stdout.write(`\n── ${step.name} ──\n`);
  const started = Date.now();
  const run = spawnSync(step.command, step.args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status === 0) {
    process.stdout.write(`✓ ${step.name} (${seconds}s)\n`);
  } else {
    const why = run.error ? run.error.message : run.signal ? `killed by ${run.signal}` : `exit ${run.status}`;
    process.stdout.write(`✗ ${step.name} failed: ${why} (${seconds}s)\n`);
    failed.push(step.name);
  }
}

if (failed.length > 0) {
  process.stdout.write(`\nnpm test FAILED: ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write('\nnpm test passed: lint, typecheck and all tests\n');
