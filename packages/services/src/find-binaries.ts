import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The bin directory of the highest Postgres version under /usr/lib/postgresql, or of `postgres` on PATH. */
export function findPostgresBin(root = '/usr/lib/postgresql'): string | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync(root);
  } catch {}
  const best = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => join(root, v, 'bin'))
    .find((bin) => isExecutable(join(bin, 'postgres')) && isExecutable(join(bin, 'initdb')));
  if (best) return best;
  const onPath = findOnPath('postgres');
  return onPath && isExecutable(join(onPath, '..', 'initdb')) ? join(onPath, '..') : undefined;
}

/** Absolute path of `name` on PATH (plus the sbin dirs apt installs to), if any. */
export function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}
