/**
 * The benchmark's building blocks, importable so that a test can run them at a small size:
 * the minimum-write model, one size's measurement, the raw HTTP ceiling, the result shape
 * check, the README table and the SVG plot.
 */
import os from 'node:os';
import { applyMigrations, createDatabase, dropDatabase } from '@contact-sync/services';
import type { ProviderKey, Sandbox, SeedPerson } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import { committedMaxSeq, writeCursor } from '@contact-sync/store';
import { ProviderOptionsSchemas } from '@contact-sync/worker/config';
import { runReconcile } from '@contact-sync/worker/reconcile';
import { type Stack, startStack } from '@contact-sync/worker/testing/stack';
import pg from 'pg';

export const PROVIDERS: readonly ProviderKey[] = ['ilert', 'churchpad', 'nodeping', 'growcrm', 'r-service'];
/** Providers that hold a whole contact, which the engine creates for a person they lack. */
export const FLAT: readonly ProviderKey[] = ['churchpad', 'growcrm', 'nodeping'];
/** Push concurrency per connection, used by the sync and by the raw HTTP loop alike. */
export const PUSH_CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// Minimum write calls, from the seeded ground truth only (no engine code).

export interface MinWrites {
  total: number;
  creates: Record<string, number>;
  updates: Record<string, number>;
  byProvider: Record<string, number>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const normName = (s: string | null | undefined) => (s ?? '').normalize('NFC').trim().replace(/\s+/g, ' ');
const fullName = (r: { givenName: string; familyName: string }) => `${normName(r.givenName)} ${normName(r.familyName)}`;

/**
 * The fewest write calls that bring the seeded providers into agreement, under this model:
 *
 * - **creates**: a person missing from a flat provider (ChurchPad, Grow CRM, NodePing) costs one
 *   create there (one call carries the whole contact), if the providers that hold the person carry
 *   what that provider requires to create (ChurchPad: given and family name, an email and a phone;
 *   Grow CRM: given and family name and an email; NodePing: a name). Given and family names come
 *   from ChurchPad, Grow CRM and ilert records; NodePing and R-Service only hold a display name.
 *   ilert users and R-Service people are never created (the engine syncs the contact methods of
 *   those that exist), so they cost nothing.
 * - **method-per-call providers** (ilert: emails, phones; R-Service: emails, phones, websites,
 *   chats): every value that some record of the person holds (the union, emails compared
 *   case-insensitively, phones as E.164, invalid emails left out) and this record lacks costs one
 *   POST.
 * - **NodePing** (one contact with a map of addresses): one update if the record lacks a union
 *   email or phone, or its name differs from the majority name.
 * - **ChurchPad, Grow CRM** (one email and one phone slot): one update if the name differs from
 *   the name most records of the person agree on (NFC, trimmed; so NFD and untrimmed quirks cost
 *   nothing), or the record has no phone while another record has one.
 *
 * Limits: it takes the union as the target of multi-valued fields and the majority as the target
 * of names, which is the cheapest agreement and a lower bound; a priority policy may pick another
 * winner and write more. It does not model quarantined records (invalid email, phone too long)
 * beyond dropping their invalid values, nor the split of `duplicate` records into two people.
 */
export function minWriteCalls(people: readonly SeedPerson[]): MinWrites {
  const creates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  const updates: Record<string, number> = Object.fromEntries(PROVIDERS.map((p) => [p, 0]));
  for (const person of people) {
    const recs = PROVIDERS.flatMap((p) => (person.records[p] ?? []).map((r) => ({ p, r })));
    const emails = new Set<string>();
    const phones = new Set<string>();
    const websites = new Set<string>();
    const chats = new Set<string>();
    const names = new Map<string, number>();
    for (const { p, r } of recs) {
      for (const e of r.emails) if (EMAIL.test(e.value.trim())) emails.add(e.value.trim().toLowerCase());
      for (const ph of r.phones) phones.add(ph.e164);
      for (const w of r.websites) websites.add(w.value);
      for (const c of r.chats) chats.add(c.value);
      if (FLAT.includes(p)) names.set(fullName(r), (names.get(fullName(r)) ?? 0) + 1);
    }
    const majority = [...names].sort((a, b) => b[1] - a[1])[0]?.[0];
    const structuredName = recs.some(({ p }) => p === 'churchpad' || p === 'growcrm' || p === 'ilert');
    const canCreate: Record<string, boolean> = {
      churchpad: structuredName && emails.size > 0 && phones.size > 0,
      growcrm: structuredName && emails.size > 0,
      nodeping: recs.length > 0,
    };
    for (const p of FLAT) if (!(person.records[p]?.length ?? 0) && canCreate[p]) creates[p]!++;
    for (const { p, r } of recs) {
      const hasEmail = new Set(r.emails.map((e) => e.value.trim().toLowerCase()));
      const hasPhone = new Set(r.phones.map((ph) => ph.e164));
      const missing = (want: Set<string>, has: Set<string>) => [...want].filter((v) => !has.has(v)).length;
      const nameDiffers = majority !== undefined && fullName(r) !== majority;
      if (p === 'ilert') updates[p]! += missing(emails, hasEmail) + missing(phones, hasPhone);
      else if (p === 'r-service')
        updates[p]! +=
          missing(emails, hasEmail) +
          missing(phones, hasPhone) +
          missing(websites, new Set(r.websites.map((w) => w.value))) +
          missing(chats, new Set(r.chats.map((c) => c.value)));
      else if (p === 'nodeping') {
        if (nameDiffers || missing(emails, hasEmail) > 0 || missing(phones, hasPhone) > 0) updates[p]!++;
      } else if (nameDiffers || (r.phones.length === 0 && phones.size > 0)) updates[p]!++;
    }
  }
  const byProvider = Object.fromEntries(PROVIDERS.map((p) => [p, creates[p]! + updates[p]!]));
  const total = Object.values(byProvider).reduce((a, b) => a + b, 0);
  return { total, creates, updates, byProvider };
}

// ---------------------------------------------------------------------------------------------
// Incremental edits.

/** mulberry32: a small deterministic PRNG, so every run edits the same people. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Edit {
  personId: string;
  provider: 'churchpad' | 'growcrm';
  externalId: string;
  familyName: string;
}

/**
 * Picks 1% of the people (at least one) that hold exactly one record in ChurchPad or Grow CRM
 * and no messy record (duplicates, invalid values), and a new family name for each, in a random
 * one of those two providers. The minimum per edit is one update in each other provider that
 * holds the name after convergence: the other of ChurchPad/Grow CRM and NodePing (display name),
 * one per record the person has there (the engine created one where the seed had none).
 */
export function planEdits(people: readonly SeedPerson[], seed: number): { edits: Edit[]; minWriteCalls: number } {
  const rnd = prng(seed);
  const messy = (p: SeedPerson) =>
    Object.values(p.records).some((rs) =>
      rs!.some((r) => r.quirks.some((q) => q === 'duplicate' || q === 'invalid-email' || q === 'phone-too-long')),
    );
  const want = Math.max(1, Math.round(people.length / 100));
  const pool = people.filter(
    (p) => !messy(p) && (p.records.churchpad?.length === 1 || p.records.growcrm?.length === 1),
  );
  const edits: Edit[] = [];
  let min = 0;
  const taken = new Set<number>();
  while (edits.length < want && taken.size < pool.length) {
    const i = Math.floor(rnd() * pool.length);
    if (taken.has(i)) continue;
    taken.add(i);
    const person = pool[i]!;
    const choices = (['churchpad', 'growcrm'] as const).filter((p) => person.records[p]?.length === 1);
    const provider = choices[Math.floor(rnd() * choices.length)]!;
    const externalId = person.records[provider]![0]!.externalId!;
    edits.push({ personId: person.id, provider, externalId, familyName: `Edited${edits.length}x` });
    for (const q of FLAT) if (q !== provider) min += Math.max(1, person.records[q]?.length ?? 0);
  }
  return { edits, minWriteCalls: min };
}

export function applyEdits(sandbox: Sandbox, edits: readonly Edit[]): void {
  for (const e of edits) {
    if (e.provider === 'churchpad') sandbox.sim.churchpad.update(e.externalId, { last_name: e.familyName });
    else sandbox.sim.growcrm.update(Number(e.externalId), { last_name: e.familyName });
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling and counting.

export class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout | null = null;
  start(everyMs = 20): this {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      const r = process.memoryUsage.rss();
      if (r > this.peak) this.peak = r;
    }, everyMs);
    return this;
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    const r = process.memoryUsage.rss();
    if (r > this.peak) this.peak = r;
    return Math.round((this.peak / 2 ** 20) * 10) / 10;
  }
}

export interface CallCounts {
  readCalls: number;
  writeCalls: number;
  byProvider: Record<string, { reads: number; writes: number; failedWrites: number }>;
  /** Reads that are list pages (GET of a collection), the rest are per-record GETs. */
  listPages: number;
}

const isListPath = (provider: string, path: string) => {
  const p = path.split('?')[0]!;
  if (provider === 'ilert') return /\/users$/.test(p);
  if (provider === 'r-service') return /\/people$/.test(p);
  if (provider === 'nodeping') return /\/contacts$/.test(p);
  return /\/contacts$/.test(p);
};

/** Writes grouped by provider, method and path with ids elided. */
export function writeKinds(sandbox: Sandbox): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of sandbox.requests()) {
    if (!r.isWrite) continue;
    const path = r.path
      .split('?')[0]!
      .split('/')
      .map((s) => (/\d|^[A-Z0-9-]{6,}$/.test(s) ? ':id' : s))
      .join('/');
    const k = `${r.effectiveMethod} ${path} ${r.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function countCalls(sandbox: Sandbox): CallCounts {
  const byProvider: CallCounts['byProvider'] = Object.fromEntries(
    PROVIDERS.map((p) => [p, { reads: 0, writes: 0, failedWrites: 0 }]),
  );
  let listPages = 0;
  for (const r of sandbox.requests()) {
    const b = byProvider[r.provider]!;
    if (r.isWrite) {
      b.writes++;
      if (r.status < 200 || r.status >= 300) b.failedWrites++;
    } else {
      b.reads++;
      if (isListPath(r.provider, r.path)) listPages++;
    }
  }
  const readCalls = Object.values(byProvider).reduce((a, b) => a + b.reads, 0);
  const writeCalls = Object.values(byProvider).reduce((a, b) => a + b.writes, 0);
  // The log drops old entries past 500k; writeCount stays exact.
  return { readCalls, writeCalls: Math.max(writeCalls, sandbox.writeCount()), byProvider, listPages };
}

/**
 * Postgres time spent executing statements in one database (pg_stat_database.active_time, ms),
 * and the rows its sequential scans read (pg_stat_user_tables.seq_tup_read, summed): a count
 * that grows faster than the data when a query scans a table once per record.
 */
export async function postgresStats(
  adminUrl: string,
  databaseUrl: string,
  db: string,
): Promise<{ activeMs: number | null; seqRowsRead: number }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  const own = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await own.connect();
  try {
    const r = await admin.query<{ active_time: number | null }>(
      'SELECT active_time FROM pg_stat_database WHERE datname = $1',
      [db],
    );
    const s = await own.query<{ n: string | null }>('SELECT sum(seq_tup_read)::text AS n FROM pg_stat_user_tables');
    const v = r.rows[0]?.active_time;
    return { activeMs: v === null || v === undefined ? null : Number(v), seqRowsRead: Number(s.rows[0]?.n ?? 0) };
  } finally {
    await admin.end();
    await own.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The raw HTTP ceiling: the same reads and as many writes, with a plain fetch loop.

interface Req {
  url: string;
  init: RequestInit;
}

const authHeaders = (sandbox: Sandbox, p: ProviderKey): Record<string, string> => {
  const { credential, options } = sandbox.providers[p];
  if (p === 'nodeping') return { authorization: `Basic ${Buffer.from(`${credential}:`).toString('base64')}` };
  if (p === 'r-service')
    return {
      authorization: `Bearer ${credential}`,
      [String(options.accountHeader ?? 'X-4me-Account')]: String(options.account),
    };
  return { authorization: `Bearer ${credential}` };
};

/** One create per call, the cheapest kind of write each API has. */
function writeRequest(sandbox: Sandbox, p: ProviderKey, i: number, people: readonly SeedPerson[]): Req {
  const base = sandbox.providers[p].baseUrl;
  const headers = { ...authHeaders(sandbox, p), 'content-type': 'application/json' };
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers, body: JSON.stringify(body) });
  const email = `ceiling.${p}.${i}@bench.example.com`;
  const staff = people.filter((x) => x.staff);
  switch (p) {
    case 'churchpad':
      return {
        url: `${base}/api/unified-communications/contacts`,
        init: json({ first_name: 'Bench', last_name: `C${i}`, phone: '+14155550100', email }),
      };
    case 'growcrm':
      return {
        url: `${base}/contacts`,
        init: json({
          first_name: 'Bench',
          last_name: `G${i}`,
          email,
          clientid: sandbox.providers.growcrm.options.clientId,
        }),
      };
    case 'nodeping':
      return {
        url: `${base}/contacts`,
        init: json({ name: `Bench N${i}`, newaddresses: [{ address: email, type: 'email' }] }),
      };
    case 'ilert': {
      const user = staff[i % staff.length]?.records.ilert?.[0]?.externalId ?? '1000';
      return { url: `${base}/users/${user}/contacts/emails`, init: json({ target: email }) };
    }
    default: {
      const person = staff[i % staff.length]?.records['r-service']?.[0]?.externalId ?? '1';
      return { url: `${base}/people/${person}/contacts`, init: json({ label: 'work', email }) };
    }
  }
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export interface Ceiling {
  wallMs: number;
  requests: number;
  reads: number;
  writes: number;
  non2xx: number;
}

/**
 * Replays the initial sync's reads (the same GETs, on a fresh sandbox of the same seed and
 * size, one at a time per provider as the pullers do) and fires as many writes per provider as
 * the sync made (creates, `PUSH_CONCURRENCY` at a time per provider), all five providers in
 * parallel. Bodies are read in full, as a client would.
 */
export async function httpCeiling(
  opts: { seed: number; people: number },
  log: { provider: ProviderKey; path: string; isWrite: boolean }[],
): Promise<Ceiling> {
  const sandbox = await startSandbox({ port: 0, seed: opts.seed, contacts: opts.people, faults: 'none' });
  try {
    let non2xx = 0;
    const send = async (r: Req) => {
      const res = await fetch(r.url, r.init);
      await res.arrayBuffer();
      if (res.status < 200 || res.status >= 300) non2xx++;
    };
    const origin = new URL(sandbox.url).origin;
    const reads = new Map<ProviderKey, Req[]>();
    const writes = new Map<ProviderKey, number>();
    for (const e of log) {
      if (e.isWrite) writes.set(e.provider, (writes.get(e.provider) ?? 0) + 1);
      else {
        const list = reads.get(e.provider) ?? [];
        list.push({ url: `${origin}${e.path}`, init: { headers: authHeaders(sandbox, e.provider) } });
        reads.set(e.provider, list);
      }
    }
    const t0 = performance.now();
    await Promise.all(
      PROVIDERS.map(async (p) => {
        await pool(reads.get(p) ?? [], 1, send);
        const n = writes.get(p) ?? 0;
        const ws = Array.from({ length: n }, (_, i) => writeRequest(sandbox, p, i, sandbox.people));
        await pool(ws, PUSH_CONCURRENCY, send);
      }),
    );
    const wallMs = Math.round(performance.now() - t0);
    const nReads = [...reads.values()].reduce((a, b) => a + b.length, 0);
    const nWrites = [...writes.values()].reduce((a, b) => a + b, 0);
    return { wallMs, requests: nReads + nWrites, reads: nReads, writes: nWrites, non2xx };
  } finally {
    await sandbox.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// One size.

export interface SizeResult {
  people: number;
  initial: {
    wallMs: number;
    peakRssMb: number;
    postgresMs: number | null;
    postgresSeqRowsRead: number;
    readCalls: number;
    writeCalls: number;
    failedWriteCalls: number;
    minWriteCalls: number;
    listPages: number;
    writes: Record<string, number>;
    opsPlanned: number;
    conflicts: number;
    byProvider: Record<string, { reads: number; writes: number; failedWrites: number; minWrites: number }>;
  };
  noop: {
    wallMs: number;
    peakRssMb: number;
    postgresMs: number | null;
    readCalls: number;
    writeCalls: number;
    listPages: number;
    /** Writes per provider and request (method + path with ids elided), to find where they come from. */
    writes: Record<string, number>;
  };
  incremental: {
    wallMs: number;
    edits: number;
    writeCalls: number;
    minWriteCalls: number;
    readCalls: number;
    writes: Record<string, number>;
  };
  reconcile: { contacts: number; wallMs: number; contactsPerSec: number };
  httpCeiling: Ceiling & { syncWallMs: number; ratio: number };
  baselineRssMb: number;
}

export interface SizeOptions {
  people: number;
  seed: number;
  adminUrl: string;
  redisUrl: string;
  log?: (msg: string) => void;
  timeoutMs?: number;
  /** Keep the size's database after the run (default: dropped). */
  keepDatabase?: boolean;
}

/** Strips the sandbox's informational options that the worker's config does not take. */
const stackSandbox = (sandbox: Sandbox): Sandbox => {
  const providers = Object.fromEntries(
    Object.entries(sandbox.providers).map(([k, v]) => {
      const keys = Object.keys((ProviderOptionsSchemas as Record<string, { shape: object }>)[k]!.shape);
      return [k, { ...v, options: Object.fromEntries(Object.entries(v.options).filter(([o]) => keys.includes(o))) }];
    }),
  );
  return { ...sandbox, providers } as Sandbox;
};

export async function runSize(o: SizeOptions): Promise<SizeResult> {
  const log = o.log ?? (() => {});
  const timeoutMs = o.timeoutMs ?? 30 * 60_000;
  const dbName = `bench_${o.people}_${process.pid}_${Date.now()}`;
  const databaseUrl = await createDatabase(o.adminUrl, dbName);
  await applyMigrations(databaseUrl);
  const prefix = `bench:${dbName}`;
  const sandbox = await startSandbox({ port: 0, seed: o.seed, contacts: o.people, faults: 'none' });
  const forStack = stackSandbox(sandbox);
  const open = (startConsumers = true) =>
    startStack({
      databaseUrl,
      redisUrl: o.redisUrl,
      prefix,
      sandbox: forStack,
      startConsumers,
      configOverrides: {
        push: { attempts: 8, backoff: 100, concurrency: PUSH_CONCURRENCY },
        // No rate limit: the simulators run without one.
        connection: { rateLimit: { max: 1_000_000, duration: '1s' } },
      },
    });
  // Postgres time is read after each phase's stack closed: a backend reports its active time when
  // it ends, so closing the pool makes the figure complete.
  const pgTime = async () => {
    await new Promise((r) => setTimeout(r, 300));
    return postgresStats(o.adminUrl, databaseUrl, dbName);
  };
  const phase = async <T>(name: string, fn: (stack: Stack) => Promise<T>) => {
    const pg0 = await pgTime();
    const stack = await open();
    sandbox.clearRequests();
    const rss = new RssSampler().start();
    const t0 = performance.now();
    let out: T;
    try {
      out = await fn(stack);
    } finally {
      await stack.close();
    }
    const wallMs = Math.round(performance.now() - t0);
    const peakRssMb = rss.stop();
    const pg1 = await pgTime();
    const calls = countCalls(sandbox);
    const writes = writeKinds(sandbox);
    log(`  ${name}: ${wallMs} ms, peak RSS ${peakRssMb} MB, ${calls.readCalls} reads, ${calls.writeCalls} writes`);
    const postgresMs = pg0.activeMs === null || pg1.activeMs === null ? null : Math.round(pg1.activeMs - pg0.activeMs);
    const seqRowsRead = pg1.seqRowsRead - pg0.seqRowsRead;
    return { out, wallMs, peakRssMb, postgresMs, seqRowsRead, calls, writes };
  };

  try {
    global.gc?.();
    const baselineRssMb = Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;
    const min = minWriteCalls(sandbox.people);

    log(`${o.people} people: initial full sync`);
    const initial = await phase('initial', (s) => s.sync({ timeoutMs }));
    // Keep the initial sync's request log for the ceiling before the next phase clears it.
    const initialLog = sandbox.requests().map((r) => ({ provider: r.provider, path: r.path, isWrite: r.isWrite }));

    const noop = await phase('noop', (s) => s.sync({ timeoutMs }));

    const { edits, minWriteCalls: incMin } = planEdits(sandbox.people, o.seed);
    const incremental = await phase('incremental', async (s) => {
      applyEdits(sandbox, edits);
      return s.sync({ timeoutMs });
    });

    // Reconcile alone, streaming the whole snapshot back from Postgres (the cursor moved back to 0).
    log('  reconcile from Postgres');
    const rstack = await open(false);
    let reconcile: SizeResult['reconcile'];
    try {
      await writeCursor(rstack.res.prisma, 0n);
      const upTo = await committedMaxSeq(rstack.res.prisma);
      const t0 = performance.now();
      const r = await runReconcile(rstack.res, upTo);
      const wallMs = Math.round(performance.now() - t0);
      reconcile = { contacts: r.rows, wallMs, contactsPerSec: Math.round(r.rows / (wallMs / 1000)) };
    } finally {
      await rstack.close();
    }
    log(`  reconcile: ${reconcile.contacts} rows in ${reconcile.wallMs} ms`);

    log('  raw HTTP ceiling');
    const ceiling = await httpCeiling({ seed: o.seed, people: o.people }, initialLog);
    log(`  ceiling: ${ceiling.requests} requests in ${ceiling.wallMs} ms`);

    return {
      people: o.people,
      baselineRssMb,
      initial: {
        wallMs: initial.wallMs,
        peakRssMb: initial.peakRssMb,
        postgresMs: initial.postgresMs,
        postgresSeqRowsRead: initial.seqRowsRead,
        readCalls: initial.calls.readCalls,
        writeCalls: initial.calls.writeCalls,
        failedWriteCalls: Object.values(initial.calls.byProvider).reduce((a, b) => a + b.failedWrites, 0),
        minWriteCalls: min.total,
        listPages: initial.calls.listPages,
        writes: initial.writes,
        opsPlanned: initial.out.run.opsPlanned,
        conflicts: initial.out.run.conflicts,
        byProvider: Object.fromEntries(
          PROVIDERS.map((p) => [p, { ...initial.calls.byProvider[p]!, minWrites: min.byProvider[p]! }]),
        ),
      },
      noop: {
        wallMs: noop.wallMs,
        peakRssMb: noop.peakRssMb,
        postgresMs: noop.postgresMs,
        readCalls: noop.calls.readCalls,
        writeCalls: noop.calls.writeCalls,
        listPages: noop.calls.listPages,
        writes: noop.writes,
      },
      incremental: {
        wallMs: incremental.wallMs,
        edits: edits.length,
        writeCalls: incremental.calls.writeCalls,
        minWriteCalls: incMin,
        readCalls: incremental.calls.readCalls,
        writes: incremental.writes,
      },
      reconcile,
      httpCeiling: {
        ...ceiling,
        syncWallMs: initial.wallMs,
        ratio: Math.round((initial.wallMs / Math.max(1, ceiling.wallMs)) * 10) / 10,
      },
    };
  } finally {
    await sandbox.stop();
    if (!o.keepDatabase) await dropDatabase(o.adminUrl, dbName);
  }
}

// ---------------------------------------------------------------------------------------------
// Results.

export interface BenchResults {
  generatedAt: string;
  machine: { cores: number; memoryGb: number; node: string; cpu: string };
  notes: string[];
  sizes: SizeResult[];
  mergeCore: { plansPerSec: number; scenarios: Record<string, number>; contacts: number };
  reconcile: { contactsPerSec: number; people: number };
  httpCeiling: { wallMs: number; requests: number; people: number; syncWallMs: number; ratio: number };
}

export const machine = (): BenchResults['machine'] => ({
  cores: os.cpus().length,
  memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
});

/** The fields the issue requires; returns one line per missing or mistyped field. */
export function checkShape(r: unknown): string[] {
  const errs: string[] = [];
  const num = (v: unknown, path: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) errs.push(`${path}: expected a number, got ${JSON.stringify(v)}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      errs.push(`${path}: expected an object`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const root = obj(r, '(root)');
  const m = obj(root.machine, 'machine');
  num(m.cores, 'machine.cores');
  num(m.memoryGb, 'machine.memoryGb');
  if (typeof m.node !== 'string') errs.push('machine.node: expected a string');
  if (!Array.isArray(root.sizes) || root.sizes.length === 0) errs.push('sizes: expected a non-empty array');
  else
    root.sizes.forEach((s, i) => {
      const size = obj(s, `sizes[${i}]`);
      num(size.people, `sizes[${i}].people`);
      const ini = obj(size.initial, `sizes[${i}].initial`);
      for (const k of ['wallMs', 'peakRssMb', 'readCalls', 'writeCalls', 'minWriteCalls'])
        num(ini[k], `sizes[${i}].initial.${k}`);
      const noop = obj(size.noop, `sizes[${i}].noop`);
      for (const k of ['wallMs', 'readCalls', 'writeCalls']) num(noop[k], `sizes[${i}].noop.${k}`);
      const inc = obj(size.incremental, `sizes[${i}].incremental`);
      for (const k of ['wallMs', 'writeCalls', 'minWriteCalls']) num(inc[k], `sizes[${i}].incremental.${k}`);
    });
  num(obj(root.mergeCore, 'mergeCore').plansPerSec, 'mergeCore.plansPerSec');
  num(obj(root.reconcile, 'reconcile').contactsPerSec, 'reconcile.contactsPerSec');
  const hc = obj(root.httpCeiling, 'httpCeiling');
  num(hc.wallMs, 'httpCeiling.wallMs');
  num(hc.requests, 'httpCeiling.requests');
  return errs;
}

export function assembleResults(o: {
  sizes: SizeResult[];
  coreScenarios: Record<string, number>;
  coreContacts: number;
  seed: number;
  servicesSource: string;
}): BenchResults {
  const largest = o.sizes.at(-1)!;
  return {
    generatedAt: new Date().toISOString(),
    machine: machine(),
    notes: [
      'One process runs the bench, the five simulators (all their state in memory) and the worker; peakRssMb is that whole process, sampled every 20 ms.',
      'postgresMs is pg_stat_database.active_time of the size’s own database over the phase (time backends spent executing statements, summed over connections, so it can exceed wall time), read after the phase’s connections closed.',
      'minWriteCalls is computed from the seeded ground truth by bench/lib.ts minWriteCalls (see bench/README.md for the model and its limits).',
      `Services: ${o.servicesSource}. Seed ${o.seed}. No faults, no rate limits, push concurrency ${PUSH_CONCURRENCY} per connection.`,
    ],
    sizes: o.sizes,
    mergeCore: {
      plansPerSec: o.coreScenarios['edits-10pct'] ?? Math.min(...Object.values(o.coreScenarios)),
      scenarios: o.coreScenarios,
      contacts: o.coreContacts,
    },
    reconcile: { contactsPerSec: largest.reconcile.contactsPerSec, people: largest.people },
    httpCeiling: {
      wallMs: largest.httpCeiling.wallMs,
      requests: largest.httpCeiling.requests,
      people: largest.people,
      syncWallMs: largest.initial.wallMs,
      ratio: largest.httpCeiling.ratio,
    },
  };
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

export function markdownTable(r: BenchResults): string {
  const rows = [
    '| people | initial wall (s) | initial peak RSS (MB) | Postgres time (s) | reads | writes | min writes | failed writes | no-op wall (s) | no-op reads | no-op writes | incr. edits | incr. wall (s) | incr. writes | incr. min | reconcile (contacts/s) | HTTP ceiling (s) | sync / ceiling |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes)
    rows.push(
      `| ${fmt(s.people)} | ${(s.initial.wallMs / 1000).toFixed(1)} | ${s.initial.peakRssMb} | ${s.initial.postgresMs === null ? '—' : (s.initial.postgresMs / 1000).toFixed(1)} | ${fmt(s.initial.readCalls)} | ${fmt(s.initial.writeCalls)} | ${fmt(s.initial.minWriteCalls)} | ${fmt(s.initial.failedWriteCalls)} | ${(s.noop.wallMs / 1000).toFixed(1)} | ${fmt(s.noop.readCalls)} | ${fmt(s.noop.writeCalls)} | ${fmt(s.incremental.edits)} | ${(s.incremental.wallMs / 1000).toFixed(1)} | ${fmt(s.incremental.writeCalls)} | ${fmt(s.incremental.minWriteCalls)} | ${fmt(s.reconcile.contactsPerSec)} | ${(s.httpCeiling.wallMs / 1000).toFixed(1)} | ${s.httpCeiling.ratio}× |`,
    );
  return rows.join('\n');
}

export function providerTable(r: BenchResults): string {
  const rows = [
    '| people | provider | reads | writes | failed writes | min writes |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  for (const s of r.sizes)
    for (const p of PROVIDERS) {
      const b = s.initial.byProvider[p]!;
      rows.push(
        `| ${fmt(s.people)} | ${p} | ${fmt(b.reads)} | ${fmt(b.writes)} | ${fmt(b.failedWrites)} | ${fmt(b.minWrites)} |`,
      );
    }
  return rows.join('\n');
}

/** A hand-written SVG: wall time (initial, no-op, incremental) and peak RSS against people, log x. */
export function renderSvg(r: BenchResults): string {
  const W = 760;
  const H = 320;
  const pad = { l: 60, r: 20, t: 30, b: 45 };
  const sizes = r.sizes.map((s) => s.people);
  const lx0 = Math.log10(Math.min(...sizes));
  const lx1 = Math.log10(Math.max(...sizes));
  const panel = (
    ox: number,
    title: string,
    yLabel: string,
    series: { name: string; color: string; ys: number[] }[],
  ) => {
    const pw = W / 2 - pad.l - pad.r;
    const ph = H - pad.t - pad.b;
    const ymax = Math.max(1e-9, ...series.flatMap((s) => s.ys)) * 1.1;
    const x = (n: number) => ox + pad.l + (lx1 === lx0 ? pw / 2 : ((Math.log10(n) - lx0) / (lx1 - lx0)) * pw);
    const y = (v: number) => pad.t + ph - (v / ymax) * ph;
    const out: string[] = [];
    out.push(`<text x="${ox + pad.l + pw / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`);
    out.push(
      `<line x1="${ox + pad.l}" y1="${pad.t + ph}" x2="${ox + pad.l + pw}" y2="${pad.t + ph}" stroke="#333"/>`,
      `<line x1="${ox + pad.l}" y1="${pad.t}" x2="${ox + pad.l}" y2="${pad.t + ph}" stroke="#333"/>`,
    );
    for (let k = 0; k <= 4; k++) {
      const v = (ymax / 4) * k;
      out.push(
        `<line x1="${ox + pad.l - 4}" y1="${y(v)}" x2="${ox + pad.l + pw}" y2="${y(v)}" stroke="#ddd"/>`,
        `<text x="${ox + pad.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v >= 100 ? Math.round(v) : v.toFixed(1)}</text>`,
      );
    }
    for (const n of sizes)
      out.push(
        `<text x="${x(n)}" y="${pad.t + ph + 15}" text-anchor="middle" font-size="10">${n.toLocaleString('en-US')}</text>`,
      );
    out.push(
      `<text x="${ox + pad.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">people (log scale)</text>`,
    );
    out.push(
      `<text x="${ox + 14}" y="${pad.t + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${ox + 14} ${pad.t + ph / 2})">${yLabel}</text>`,
    );
    series.forEach((s, i) => {
      const pts = sizes.map((n, j) => `${x(n).toFixed(1)},${y(s.ys[j]!).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
      for (const p of pts.split(' ')) {
        const [cx, cy] = p.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
      }
      out.push(
        `<rect x="${ox + pad.l + 8}" y="${pad.t + 6 + i * 14}" width="10" height="3" fill="${s.color}"/>`,
        `<text x="${ox + pad.l + 22}" y="${pad.t + 10 + i * 14}" font-size="10">${s.name}</text>`,
      );
    });
    return out.join('\n');
  };
  const body = [
    panel(0, 'Wall time', 'seconds', [
      { name: 'initial full sync', color: '#1f77b4', ys: r.sizes.map((s) => s.initial.wallMs / 1000) },
      { name: 'no-op full resync', color: '#2ca02c', ys: r.sizes.map((s) => s.noop.wallMs / 1000) },
      { name: 'incremental (1%)', color: '#ff7f0e', ys: r.sizes.map((s) => s.incremental.wallMs / 1000) },
      { name: 'raw HTTP ceiling', color: '#7f7f7f', ys: r.sizes.map((s) => s.httpCeiling.wallMs / 1000) },
    ]),
    panel(W / 2, 'Peak RSS (whole process)', 'MB', [
      { name: 'initial full sync', color: '#1f77b4', ys: r.sizes.map((s) => s.initial.peakRssMb) },
      { name: 'no-op full resync', color: '#2ca02c', ys: r.sizes.map((s) => s.noop.peakRssMb) },
      { name: 'before the sync', color: '#7f7f7f', ys: r.sizes.map((s) => s.baselineRssMb) },
    ]),
  ].join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
${body}
</svg>
`;
}
