import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Sandbox, startSandbox } from '@contact-sync/simulators';
import { createPrisma } from '@contact-sync/store';
import { DEFAULT_TEST_TIME_SCALE, sandboxConfig } from '@contact-sync/testkit/sandbox-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.ts';
import { type RunningCli, runCli, startCli } from './testing/run-cli.ts';

// The real binary against a real deployment: a `contact-sync worker` child process on a fresh
// database and Redis prefix, the simulators in this process, and the admin commands run as a
// script would run them.
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
  sandbox = await startSandbox({ timeScale: DEFAULT_TEST_TIME_SCALE, port: 0, seed: 5, contacts: 40 });
  const { config, env: credentials } = sandboxConfig(sandbox.providers);
  dir = mkdtempSync(join(tmpdir(), 'cs-cli-test-'));
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
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await sandbox?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('contact-sync help and usage errors', () => {
  it('prints help for the tool and for every command, exit 0', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(`  ${c.name} `);
    expect(top.stdout).toContain('Exit codes:');
    const helps = await Promise.all(COMMANDS.map((c) => cli(...c.name.split(' '), '--help')));
    helps.forEach((h, i) => {
      expect(h.code, COMMANDS[i]!.name).toBe(0);
      expect(h.stdout).toContain(`Usage: contact-sync ${COMMANDS[i]!.name}`);
      expect(h.stdout).toContain('--help');
    });
  });

  it('rejects bad flags and arguments with exit 2 and a message naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['demo', '--contacts', 'many'], /--contacts must be an integer, got "many"/],
      [['demo', '--faults', 'sometimes'], /--faults must be one of none, flaky, slow, chaos/],
      [['status', '--colour'], /Unknown option '--colour'/],
      [['sandbox', '--port', '70000'], /--port must be at most 65535/],
      [['conflicts', 'list', '--limit', '0'], /--limit must be at least 1/],
      [['conflicts', 'show'], /missing argument <id>/],
      [['conflicts', 'resolve', 'x'], /give one of --keep, --pick/],
      [['conflicts', 'resolve', 'x', '--value', '{oops'], /--value must be JSON/],
      [['ops', 'retry'], /give op ids or --connection ID/],
      [['deletes', 'list', '--status', 'gone'], /--status must be one of held, confirmed, rejected/],
      // the CLI refuses what the API refuses, from the same vocabularies
      [
        ['ops', 'list', '--status', 'bogus'],
        /--status must be one of pending, in_flight, done, failed, superseded, all/,
      ],
      [['ops', 'list', '--kind', 'upsert'], /--kind must be one of create, update, delete/],
      // a cursor whose id is no uuid is refused before it reaches Postgres
      [
        [
          'ops',
          'list',
          '--cursor',
          Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])).toString('base64url'),
        ],
        /cursor: not a cursor returned by a previous page/,
      ],
      [['conflicts', 'list', '--status', 'closed'], /--status must be one of open, auto-resolved, resolved/],
      [['worker', '--services', 'maybe'], /--services must be one of auto/],
      [['conflicts'], /"conflicts" needs a subcommand; one of: conflicts list, conflicts show, conflicts resolve/],
      [['conflicts', 'erase'], /unknown subcommand "conflicts erase"/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });

  it('names a missing environment variable or config file, exit 5', async () => {
    const noDb = await runCli(['status'], { env: { ...env, DATABASE_URL: undefined } });
    expect(noDb.code).toBe(5);
    expect(noDb.stderr).toMatch(/DATABASE_URL is not set/);
    const noConfig = await cli('status', '--config', join(dir, 'missing.json'));
    expect(noConfig.code).toBe(5);
    expect(noConfig.stderr).toMatch(/cannot read config file .*missing\.json/);
    const admin = await runCli(['admin', '--port', '0'], { env: { ...env, ADMIN_TOKEN: 'short' } });
    expect(admin.code).toBe(5);
    expect(admin.stderr).toMatch(/ADMIN_TOKEN is not set or shorter than 16 characters/);
    // Its plan previews read every provider: no placeholder credential is sent in place of one.
    const token = 'a-token-of-sixteen-chars';
    const noCred = await runCli(['admin', '--port', '0'], {
      env: { ...env, ADMIN_TOKEN: token, CS_ILERT_CREDENTIAL: undefined },
    });
    expect(noCred.code).toBe(5);
    expect(noCred.stderr).toMatch(/CS_ILERT_CREDENTIAL is not set/);
  });
});

describe('contact-sync sandbox', () => {
  it('serves the five simulators, prints base URLs and credentials, and stops on SIGINT', async () => {
    const sb = startCli(['sandbox', '--port', '0', '--contacts', '12', '--seed', '3']);
    await sb.waitFor(/Ctrl-C to stop/);
    const out = sb.output().stdout;
    const base = /churchpad +(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(out)?.[1];
    const credential = /churchpad[^\n]*\n +credential: (\S+)/.exec(out)?.[1];
    expect(base).toBeDefined();
    for (const p of ['ilert', 'nodeping', 'growcrm', 'r-service']) expect(out).toMatch(new RegExp(`${p} +http://`));
    const ok = await fetch(`${base}/api/unified-communications/contacts?limit=5`, {
      headers: { authorization: `Bearer ${credential}` },
    });
    expect(ok.status).toBe(200);
    const denied = await fetch(`${base}/api/unified-communications/contacts`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(denied.status).toBe(401);
    sb.child.kill('SIGINT');
    expect((await sb.exited).code).toBe(0);
  });
});

describe('contact-sync admin commands on a real deployment', () => {
  let runId: string;

  it('resync --wait drives a full sync through the worker process and reports it', async () => {
    const r = await cli('resync', '--wait', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.status).toBe('completed');
    expect(out.pulled).toBeGreaterThan(0);
    expect(out.opsApplied).toBe(out.opsPlanned);
    expect(out.opsPlanned).toBeGreaterThan(0);
    expect(sandbox.writeCount()).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/resync: done +pulls 5\/5/); // progress went to stderr
    runId = out.runId;
  });

  it('status shows each connection after its pull', async () => {
    const rows = await json('status');
    expect(rows.map((s: { id: string }) => s.id).sort()).toEqual([
      'churchpad',
      'growcrm',
      'ilert',
      'nodeping',
      'r-service',
    ]);
    for (const s of rows) {
      expect(s.lastPull.status, s.id).toBe('completed');
      expect(s.counts.snapshots, s.id).toBeGreaterThan(0);
      expect(s.counts.pendingOps, s.id).toBe(0);
    }
    const text = await cli('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^connection +provider +dir +last pull/);
    expect(text.stdout.trim().split('\n')).toHaveLength(6);
  });

  it('runs list and runs show find the resync and its five pulls', async () => {
    const page = await json('runs', 'list', '--kind', 'resync');
    expect(page.items.map((r: { id: string }) => r.id)).toContain(runId);
    const run = await json('runs', 'show', runId);
    expect(run.children).toHaveLength(5);
    expect(run.children.every((c: { status: string }) => c.status === 'completed')).toBe(true);
    const missing = await cli('runs', 'show', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/not found/);
  });

  it('conflicts list pages through the report; show and resolve one; a second decision is refused', async () => {
    const all = await json('conflicts', 'list', '--status', 'all', '--limit', '500');
    expect(all.items.length).toBeGreaterThan(0);
    const first = await json('conflicts', 'list', '--status', 'all', '--limit', '1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await json('conflicts', 'list', '--status', 'all', '--limit', '1', '--cursor', first.nextCursor);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(all.items[1].id).toBe(second.items[0].id);

    const target = all.items.find((c: { status: string }) => ['open', 'auto-resolved', 'info'].includes(c.status));
    const shown = await json('conflicts', 'show', target.id);
    expect(shown.id).toBe(target.id);
    expect(shown.kind).toBe(target.kind);
    const text = await cli('conflicts', 'show', target.id);
    expect(text.stdout).toContain(`conflict ${target.id}`);
    expect(text.stdout).toMatch(/rule: +\S/);

    const resolved = await json('conflicts', 'resolve', target.id, '--dismiss', '--by', 'cli-test');
    expect(resolved.conflict.status).toBe('dismissed');
    expect(resolved.conflict.resolution.by).toBe('cli-test');
    const again = await cli('conflicts', 'resolve', target.id, '--dismiss');
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already dismissed/);
    const unknown = await cli('conflicts', 'show', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(3);
  });

  it('lists ops, quarantine and held deletes; retry with nothing failed retries nothing', async () => {
    const done = await json('ops', 'list', '--status', 'done', '--limit', '5');
    expect(done.items).toHaveLength(5);
    expect(done.items.every((o: { status: string }) => o.status === 'done')).toBe(true);
    expect((await json('ops', 'list')).items).toEqual([]); // default: failed
    expect(await json('ops', 'retry', '--connection', 'churchpad')).toEqual({ retried: 0 });
    expect((await json('quarantine', 'list')).items).toEqual(expect.any(Array));
    expect((await json('deletes', 'list')).items).toEqual([]);
    expect((await json('changes', 'list')).items).toEqual([]);
    const bad = await cli('resync', '--connection', 'nope');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/unknown connection "nope"/);
  });

  // Issue 17: provider text with ESC/BEL sequences (a name, an error message) reached the terminal raw.
  it('escapes control characters from provider data in status, conflicts and runs output', async () => {
    const hostile = 'boom \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u009b0m';
    const prisma = createPrisma(db.databaseUrl, { poolSize: 1 });
    try {
      const pull = await prisma.syncRun.findFirstOrThrow({
        where: { kind: 'pull', connectionId: 'churchpad' },
        orderBy: { startedAt: 'desc' },
      });
      await prisma.syncRun.update({ where: { id: pull.id }, data: { status: 'failed', error: hostile } });
      const conflict = await prisma.conflict.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
      await prisma.conflict.update({ where: { id: conflict.id }, data: { rule: hostile, chosen: hostile } });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      const raw = /[\u0007\u001b\u009b]/;
      for (const args of [
        ['status'],
        ['conflicts', 'list', '--status', 'all', '--limit', '500'],
        ['conflicts', 'show', conflict.id],
        ['runs', 'show', pull.id],
      ]) {
        const r = await cli(...args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        expect(r.stdout, args.join(' ')).toContain('\\u001b]0;pwned\\u0007');
        expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(raw);
      }
      // --json is still JSON, with the value as stored.
      const shown = await json('conflicts', 'show', conflict.id);
      expect(shown.rule).toBe(hostile);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('plan prints what a sync would write and writes nothing; apply writes exactly it; apply again exits 4', async () => {
    const growcrm = sandbox.sim.growcrm;
    const [c] = growcrm.snapshot().contacts.filter((x) => x.first_name !== '');
    growcrm.rawEdit(c!.id, (x) => (x.first_name = `${x.first_name}elle`));
    sandbox.clearRequests();
    const text = await cli('plan', '--connection', 'growcrm');
    expect(text.code, text.stderr).toBe(0);
    // Before is what the provider holds (the record's snapshot, or what the engine wrote there).
    expect(text.stdout).toMatch(/\n {4}givenName: "[^"]+" → "[^"]+elle"\n/);
    expect(text.stdout).not.toMatch(/givenName: null/);
    const plan = await json('plan', '--connection', 'growcrm');
    expect(sandbox.writeCount()).toBe(0);
    expect(plan.ops.length).toBeGreaterThan(0);
    const applied = await json('apply', plan.id);
    expect(applied.opsEnqueued).toBe(plan.ops.length);
    const deadline = Date.now() + 30_000;
    while (sandbox.writeCount() < plan.ops.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(sandbox.writeCount()).toBe(plan.ops.length);
    const again = await cli('apply', plan.id);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/is applied, not planned/);
  });

  it('a second resync writes nothing; the worker stops gracefully on SIGTERM with exit 0', async () => {
    sandbox.clearRequests();
    const r = await json('resync', '--wait', '--connection', 'growcrm');
    expect(r.ok).toBe(true);
    expect(r.opsPlanned).toBe(0);
    expect(sandbox.writeCount()).toBe(0);

    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(worker.output().stderr).toMatch(/SIGTERM: finishing in-flight jobs/);
    expect(worker.output().stderr).toMatch(/contact-sync worker: stopped/);
  });
});
