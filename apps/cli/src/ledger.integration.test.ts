import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Sandbox, startSandbox } from '@contact-sync/simulators';
import { createPrisma } from '@contact-sync/store';
import { sandboxConfig } from '@contact-sync/testkit/sandbox-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli } from './testing/run-cli.ts';

// `history`, `undo` and `ledger prune` as a script runs them, against a worker child process.
const db = await createTestDatabase();
let sandbox: Sandbox;
let worker: RunningCli;
let env: Record<string, string>;
let dir: string;

const cli = (...args: string[]) => runCli(args, { env });
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 8, contacts: 30 });
  const { config, env: credentials } = sandboxConfig(sandbox.providers);
  dir = mkdtempSync(join(tmpdir(), 'cs-ledger-test-'));
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
  await json('resync', '--wait');
  await json('resync', '--wait');
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('contact-sync history, undo, ledger prune', () => {
  it('undo --run puts a bad edit back everywhere (dry run first); history shows it all', async () => {
    const prisma = createPrisma(db.databaseUrl);
    try {
      const link = await prisma.link.findFirstOrThrow({
        where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
      });
      const original = sandbox.sim.churchpad.get(link.externalId)!.last_name;
      sandbox.sim.churchpad.update(link.externalId, { last_name: 'Oops' });
      const bad = await json('resync', '--wait');
      const grow = await prisma.link.findFirstOrThrow({
        where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
      });
      expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.last_name).toBe('Oops');

      const dry = await json('undo', '--run', bad.runId, '--dry-run');
      expect(dry.writes.map((w: { connectionId: string }) => w.connectionId)).toContain('churchpad');
      expect(sandbox.sim.churchpad.get(link.externalId)?.last_name).toBe('Oops');
      const text = await cli('undo', '--run', bad.runId, '--dry-run');
      expect(text.stdout).toMatch(/dry run: would undo run .*: 2 fields of 1 people back to before the run, 3 writes/);

      const undo = await json('undo', '--run', bad.runId, '--by', 'alice');
      expect(undo.undoRunId).toBeTruthy();
      await json('resync', '--wait');
      expect(sandbox.sim.churchpad.get(link.externalId)?.last_name).toBe(original);
      expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.last_name).toBe(original);

      const email = sandbox.sim.churchpad.get(link.externalId)!.email;
      const h = await json('history', email);
      expect(h.canonicalId).toBe(link.canonicalId);
      expect(h.events[0].type).toBe('write');
      const undoChange = h.events.find(
        (e: { field?: string; cause?: { kind: string } }) => e.cause?.kind === 'undo' && e.field === 'familyName',
      );
      // The undo is the last change: the resync after it changed nothing back.
      const changes = h.events.filter((e: { type: string }) => e.type === 'change');
      expect(changes[0].cause.kind).toBe('undo');
      expect(undoChange).toMatchObject({ field: 'familyName', old: 'Oops', new: original, cause: { by: 'alice' } });
      const table = await cli('history', link.canonicalId);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`undo of ${bad.runId.slice(0, 8)} by alice`);
      expect(table.stdout).toContain('update churchpad');

      expect((await cli('history', 'nobody@nowhere.example')).code).toBe(3);
      expect((await cli('undo')).code).toBe(2);
      expect((await cli('undo', '--run', '00000000-0000-0000-0000-000000000000')).code).toBe(3);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('undo --decision puts one decision back (dry run first); bad arguments are refused', async () => {
    const prisma = createPrisma(db.databaseUrl);
    try {
      const church = await prisma.link.findFirstOrThrow({
        where: { connectionId: 'churchpad', canonical: { links: { some: { connectionId: 'growcrm' } } } },
        orderBy: { externalId: 'desc' },
      });
      const grow = await prisma.link.findFirstOrThrow({
        where: { connectionId: 'growcrm', canonicalId: church.canonicalId },
      });
      sandbox.sim.churchpad.update(church.externalId, { first_name: 'Lefty' });
      sandbox.sim.growcrm.update(Number(grow.externalId), { first_name: 'Righty' });
      await json('resync', '--wait');
      const conflict = await prisma.conflict.findFirstOrThrow({
        where: { canonicalId: church.canonicalId, kind: 'field', field: 'givenName' },
        orderBy: { createdAt: 'desc' },
      });
      const chosen = (await prisma.canonicalContact.findUniqueOrThrow({ where: { id: church.canonicalId } })).data as {
        givenName: string;
      };
      await json('conflicts', 'resolve', conflict.id, '--value', '"Typed"', '--by', 'carol');
      await json('resync', '--wait');
      expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Typed');

      const text = await cli('undo', '--decision', conflict.id, '--dry-run');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        new RegExp(
          `dry run: would undo decision ${conflict.id}: \\d+ fields? of 1 people back to before the decision, \\d+ writes`,
        ),
      );
      expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe('Typed');
      const undo = await json('undo', '--decision', conflict.id, '--by', 'dave');
      expect(undo).toMatchObject({ decisionId: conflict.id, runId: null });
      await json('resync', '--wait');
      expect(sandbox.sim.growcrm.get(Number(grow.externalId))?.first_name).toBe(chosen.givenName);
      const table = await cli('history', church.canonicalId);
      expect(table.stdout).toContain(`undo of decision ${conflict.id.slice(0, 8)} by dave`);

      expect((await cli('undo', '--decision', conflict.id, '--run', undo.undoRunId)).code).toBe(2);
      expect((await cli('undo', '--decision', '00000000-0000-4000-8000-000000000000')).code).toBe(3);
      const bad = await cli('undo', '--decision', 'nope');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/decision: "nope" is not a decision id/);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('ledger prune --older-than deletes by age, and refuses a bad age', async () => {
    const r = await json('ledger', 'prune', '--older-than', '90d');
    expect(r.deleted).toBe(0);
    expect((await cli('ledger', 'prune', '--older-than', 'soon')).code).toBe(2);
  });
});
