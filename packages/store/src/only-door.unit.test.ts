import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The store is the only door to Postgres: no app, bench or other package's file (tests' fixtures aside) queries
// Prisma itself, calls a raw query, opens a transaction or names the generated client.
const root = join(import.meta.dirname, '../../..');

const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'results' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });

const models = [...readFileSync(join(root, 'prisma/schema.prisma'), 'utf8').matchAll(/^model (\w+)/gm)].map(
  (m) => m[1]![0]!.toLowerCase() + m[1]!.slice(1),
);
const modelCall = new RegExp(
  `\\.(${models.join('|')})\\.(find\\w*|create\\w*|update\\w*|delete\\w*|upsert|count|aggregate|groupBy)\\(`,
);
const clientCall = /\$(queryRaw|executeRaw|transaction|disconnect|connect)\w*/;
const clientName = /\bPrismaClient\b|\bPrisma\.\w|generated\/prisma|@prisma\//;

/** Each offending line of the files, as `path:line: text`. */
const offences = (files: string[], rules: RegExp[]): string[] =>
  files.flatMap((f) =>
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (rules.some((r) => r.test(line)) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  );

describe('the store is the only door to Postgres', () => {
  it('knows the models and sees the app sources', () => {
    expect(models).toContain('canonicalContact');
    expect(sources('apps').length).toBeGreaterThan(50);
  });

  it('no file outside the store calls Prisma or names its client', () => {
    // services reads schema.prisma with Prisma's schema tool (the drift check), not the client.
    const packages = readdirSync(join(root, 'packages')).filter((p) => p !== 'store' && p !== 'services');
    const files = [
      ...sources('apps'),
      ...sources('bench'),
      ...packages.flatMap((p) => sources(`packages/${p}`)),
    ].filter(
      (f) => !f.includes('/testing/'), // test fixtures, like the tests themselves
    );
    expect(offences(files, [modelCall, clientCall, clientName])).toEqual([]);
  });
});
