import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering rule (ARCHITECTURE.md): bench → apps → packages, never a package importing an app;
// the admin server and the CLI build on the engine, admin-ops and testkit, not on the worker app.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dirsOf = (parent: string) =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${parent}/${d.name}`);
const apps = dirsOf('apps');
const packages = dirsOf('packages');
const appNames = apps.map((d) => JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8')).name as string);

function dependenciesOf(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
}

function sourcesOf(dir: string): string[] {
  return readdirSync(join(root, dir, 'src'), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && /\.(ts|js)$/.test(f.name) && !f.parentPath.includes('generated'))
    .map((f) => join(f.parentPath, f.name));
}

/** Each import specifier of a file that names one of `names` or reaches into `apps/` by path. */
function importsOf(file: string, names: string[]): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => names.some((n) => s === n || s.startsWith(`${n}/`)) || /(^|\/)apps\//.test(s));
}

describe('layers', () => {
  it('finds the apps and packages it checks', () => {
    expect(appNames).toEqual(expect.arrayContaining(['@contact-sync/worker', '@contact-sync/admin']));
    expect(packages).toEqual(expect.arrayContaining(['packages/engine', 'packages/admin-ops', 'packages/testkit']));
  });

  it('no package depends on an app or imports one', () => {
    const found: string[] = [];
    for (const dir of packages) {
      for (const d of dependenciesOf(dir)) if (appNames.includes(d)) found.push(`${dir}/package.json: ${d}`);
      for (const file of sourcesOf(dir))
        for (const spec of importsOf(file, appNames)) found.push(`${relative(root, file)}: ${spec}`);
    }
    expect(found).toEqual([]);
  });

  it('the admin server and the CLI do not depend on the worker app, tests included', () => {
    const found: string[] = [];
    for (const dir of ['apps/admin', 'apps/cli']) {
      for (const d of dependenciesOf(dir)) if (d === '@contact-sync/worker') found.push(`${dir}/package.json: ${d}`);
      for (const file of sourcesOf(dir)) {
        const specs = importsOf(file, ['@contact-sync/worker']).filter(
          (s) => s.startsWith('@contact-sync/worker') || s.includes('apps/worker'),
        );
        for (const spec of specs) found.push(`${relative(root, file)}: ${spec}`);
      }
    }
    expect(found).toEqual([]);
  });
});
