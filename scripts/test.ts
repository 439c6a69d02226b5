// The one test command (`npm test`): lint, type check, knip (unused files, exports and
// dependencies), the circular-import check, then every vitest project (unit and integration;
// the integration global setup provides Postgres and Redis by itself).
// Runs every step, then exits non-zero naming the steps that failed.
// Extra arguments go to vitest: `npm test -- --project core:unit`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

process.stdout.write(`npm test on node ${process.version}\n`);

// vitest also writes a JSON report, read for the closing `tests: N passed, N failed` line.
const reportDir = mkdtempSync(join(tmpdir(), 'cs-test-report-'));
const report = join(reportDir, 'vitest.json');

const steps: { name: string; command: string; args: string[] }[] = [
  { name: 'lint (biome check .)', command: bin('biome'), args: ['check', '.'] },
  { name: 'typecheck (tsc --noEmit)', command: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
  // The review page is plain JS served as is: checked with // @ts-check against the DOM's types.
  {
    name: 'typecheck of the review page (tsc, checkJs)',
    command: bin('tsc'),
    args: ['-p', 'apps/admin/src/ui/tsconfig.json'],
  },
  {
    name: 'unused files, exports and dependencies (knip)',
    command: bin('knip'),
    args: ['--no-progress', '--no-config-hints'],
  },
  {
    name: 'circular imports (dpdm)',
    command: bin('dpdm'),
    args: [
      '--no-warning',
      '--no-tree',
      '--transform', // type-only imports are erased at run time: only value imports can form a loop
      '--exit-code',
      'circular:1',
      'apps/*/src/**/*.ts',
      'packages/*/src/**/*.ts',
      'bench/*.ts',
      'scripts/*.ts',
    ],
  },
  {
    name: 'tests (vitest run)',
    command: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  },
];

// The tools' `#!/usr/bin/env node` shims must find Node 24 even when this script was started
// outside npm: put node_modules/.bin (and this very node) first on PATH.
const env = {
  ...process.env,
  PATH: [join(root, 'node_modules', '.bin'), dirname(process.execPath), process.env.PATH].join(':'),
};

const failed: string[] = [];
for (const step of steps) {
  process.stdout.write(`\n── ${step.name} ──\n`);
  const started = Date.now();
  const run = spawnSync(step.command, step.args, { cwd: root, stdio: 'inherit', env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status === 0) {
    process.stdout.write(`✓ ${step.name} (${seconds}s)\n`);
  } else {
    const why = run.error ? run.error.message : run.signal ? `killed by ${run.signal}` : `exit ${run.status}`;
    process.stdout.write(`✗ ${step.name} failed: ${why} (${seconds}s)\n`);
    failed.push(step.name);
  }
}

let counts: string | undefined;
try {
  const json = JSON.parse(readFileSync(report, 'utf8')) as Record<string, number>;
  const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  counts = `tests: ${json.numPassedTests} passed, ${json.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch {
  // vitest did not get as far as writing its report; its own output says why.
} finally {
  rmSync(reportDir, { recursive: true, force: true });
}

if (failed.length > 0) {
  process.stdout.write(`\nnpm test FAILED: ${failed.join(', ')}\n`);
} else {
  process.stdout.write('\nnpm test passed: lint, typecheck and all tests\n');
}
if (counts) process.stdout.write(`${counts}\n`);
process.exit(failed.length > 0 ? 1 : 0);
