import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Two projects per package: `<pkg>:unit` (pure, fast) and `<pkg>:integration`
// (real Postgres, Redis and simulators, provided once by the global setup).
const dirs = ['apps', 'packages'].flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${root}/${d.name}`),
);

export default defineConfig({
  test: {
    // A passing test prints nothing (its console output is dropped); a failing one shows its own.
    silent: 'passed-only',
    projects: dirs.flatMap((dir) => {
      const name = dir.split('/')[1];
      return [
        {
          test: {
            name: `${name}:unit`,
            root: dir,
            include: ['src/**/*.unit.test.ts'],
          },
        },
        {
          test: {
            name: `${name}:integration`,
            root: dir,
            include: ['src/**/*.integration.test.ts'],
            globalSetup: ['../../packages/services/src/vitest-global-setup.ts'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ];
    }),
  },
});
