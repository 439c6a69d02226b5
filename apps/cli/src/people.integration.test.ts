import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Sandbox, startSandbox } from '@contact-sync/simulators';
import { createPrisma } from '@contact-sync/store';
import { DEFAULT_TEST_TIME_SCALE, sandboxConfig } from '@contact-sync/testkit/sandbox-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli } from './testing/run-cli.ts';

// `people merge`, `people split`, `conflicts bulk` and `conflicts counts` as a script runs them,
// against a worker child process.
const db = await createTestDatabase();
let sandbox: Sandbox;
let worker: RunningCli;
let env: Record<string, string>;
let dir: string;
const prisma = createPrisma(db.databaseUrl);

const cli = (...args: string[]) => runCli(args, { env });
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: DEFAULT_TEST_TIME_SCALE, port: 0, seed: 5, contacts: 16 });
  const { config, env: credentials } = sandboxConfig(sandbox.providers);
  dir = mkdtempSync(join(tmpdir(), 'cs-people-test-'));
  const configPath = join(dir, 'contact-sync.config.json');
  writeFileSync(configPath, JSON.stringify(config));
  env = {
    ...credentials,
    CONTACT_SYNC_CONFIG: configPath,
    DATABASE_URL: db.databaseUrl,
    REDIS_URL: db.redisUrl,
    CONTACT_SYNC_PREFIX: db.redisPrefix,
    CONTACT_SYNC_MIN_BACKOFF_MS: '20',
  };
  worker = startCli(['worker', '--schedule', 'off'], { env });
  await worker.waitFor(/contact-sync worker: 5 connections/);
  expect((await cli('resync', '--wait')).code).toBe(0);
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await prisma.$disconnect();
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('contact-sync people and conflicts bulk', () => {
  it('people merge --dry-run prints what it keeps; merge, then split with the printed command', async () => {
    const [a, b] = await prisma.canonicalContact.findMany({
      where: { deletedAt: null, mergedIntoId: null, links: { some: {} } },
      orderBy: { id: 'asc' },
      take: 2,
    });
    const dry = await cli('people', 'merge', a!.id, b!.id, '--dry-run', '--set', 'title=Chief');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run: merging .* would keep:/);
    expect(dry.stdout).toMatch(/title +.*"Chief"/);
    expect(await prisma.personMerge.count()).toBe(0);

    const bad = await cli('people', 'merge', a!.id, b!.id, '--set', 'nickname=x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nickname/);

    const merged = await cli('people', 'merge', a!.id, b!.id, '--by', 'ana');
    expect(merged.code, merged.stderr).toBe(0);
    const splitLine = merged.stdout.split('\n').find((l) => l.startsWith('split again with: contact-sync '))!;
    expect(splitLine).toBeDefined();
    const args = splitLine.replace('split again with: contact-sync ', '').split(' ');
    // The merge's writes go out first (a split waits for a person's pushes to finish).
    const deadline = Date.now() + 30_000;
    while ((await prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
      if (Date.now() > deadline) throw new Error('ops still pending');
      await new Promise((r) => setTimeout(r, 50));
    }
    const split = await json(...args);
    expect(split.newCanonicalId).toBe(b!.id);
    expect(split.restoredMerge).not.toBeNull();
    const notMine = await cli('people', 'split', a!.id, '--link', 'growcrm:no-such');
    expect(notMine.code).toBe(2);
    expect(notMine.stderr).toMatch(/not a record of person/);
  });

  it('conflicts counts and conflicts bulk: a preview without --yes, and a rule is required', async () => {
    const counts = await json('conflicts', 'counts');
    expect(counts.total).toEqual(expect.any(Number));
    const none = await cli('conflicts', 'bulk', '--field', 'familyName');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one rule/);
    const preview = await cli('conflicts', 'bulk', '--field', 'familyName', '--pick', 'growcrm');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/conflict\(s\) selected/);
    expect(preview.stdout).toMatch(/nothing decided: add --yes/);
  });
});
