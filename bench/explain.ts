/**
 * Explains an initial sync's write calls person by person against the minimum-write model:
 * `node bench/explain.ts [--people 1000] [--seed 42] [--show 20]`.
 * Runs one initial sync (real Postgres and Redis, the simulators in process), attributes every
 * write request to the person whose record it touched (update/delete paths through the links,
 * creates through the outbox), and prints the people whose writes differ from the model, by
 * provider, with their seeded records' quirks. A diagnostic, not a benchmark: nothing is written.
 */
import { applyMigrations, createDatabase, dropDatabase, provideServices } from '@contact-sync/services';
import { startSandbox } from '@contact-sync/simulators';
import {
  allLinkRefs,
  allOps,
  allOpsOfPerson,
  conflictCountsByStatus,
  conflictsOfPerson,
  linksByCanonical,
  personRow,
  snapshotAt,
} from '@contact-sync/store';
import { startStack } from '@contact-sync/testkit/stack';
import { minWritesOf, PROVIDERS, PUSH_CONCURRENCY } from './model.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const people = opt('--people', 1000);
const seed = opt('--seed', 42);
const show = opt('--show', 20);
const traceAt = args.indexOf('--trace');
const trace = traceAt < 0 ? [] : (args[traceAt + 1] ?? '').split(',');
process.env.LOG_LEVEL ??= 'error';

const services = await provideServices();
const dbName = `explain_${process.pid}`;
const databaseUrl = await createDatabase(services.databaseUrl, dbName);
await applyMigrations(databaseUrl);
// Engine throughput, not the providers' limits: unlimited servers (the engine's budget is lifted too).
const sandbox = await startSandbox({ port: 0, limits: 'none', seed, contacts: people, faults: 'none' });
const stack = await startStack({
  databaseUrl,
  redisUrl: services.redisUrl,
  prefix: `explain:${dbName}`,
  sandbox,
  configOverrides: {
    push: { attempts: 8, backoff: 100, concurrency: PUSH_CONCURRENCY },
    connection: { rateLimit: { max: 1_000_000, duration: '1s' } },
  },
});
try {
  const t0 = Date.now();
  await stack.sync({ timeoutMs: 30 * 60_000 });
  console.log(`initial sync of ${people} people: ${Math.round((Date.now() - t0) / 1000)} s`);
  const db = stack.res.prisma;
  const personOf = new Map<string, string>(); // provider\0externalId → person id
  for (const p of sandbox.people)
    for (const [provider, recs] of Object.entries(p.records))
      for (const r of recs ?? []) personOf.set(`${provider}\u0000${r.externalId}`, p.id);
  const links = await allLinkRefs(db);
  const canonPeople = new Map<string, Set<string>>();
  for (const l of links) {
    const pid = personOf.get(`${l.connectionId}\u0000${l.externalId}`);
    if (!pid) continue;
    const set = canonPeople.get(l.canonicalId) ?? new Set();
    set.add(pid);
    canonPeople.set(l.canonicalId, set);
  }
  const personOfCanon = (c: string) => [...(canonPeople.get(c) ?? [])].sort().join('+') || `canon:${c.slice(0, 8)}`;
  const linkByExt = new Map(links.map((l) => [`${l.connectionId}\u0000${l.externalId}`, l.canonicalId]));
  const byPersonActual = new Map<string, Record<string, string[]>>();
  const note = (who: string, provider: string, what: string) => {
    const rec = byPersonActual.get(who) ?? {};
    const list = rec[provider] ?? [];
    list.push(what);
    rec[provider] = list;
    byPersonActual.set(who, rec);
  };
  // Creates: one done create op = one POST (failed creates show in the request log below).
  const ops = await allOps(db);
  for (const op of ops)
    if (op.kind === 'create' && op.status === 'done') note(personOfCanon(op.canonicalId), op.connectionId, 'create');
  const unattributed: string[] = [];
  for (const r of sandbox.requests()) {
    if (!r.isWrite) continue;
    const segs = r.path.split('?')[0]!.split('/');
    const isCreate = r.effectiveMethod === 'POST' && /\/(contacts|users|people)$/.test(r.path.split('?')[0]!);
    if (isCreate && r.provider !== 'ilert' && r.provider !== 'r-service') continue;
    let who: string | undefined;
    for (const s of segs) {
      const c = linkByExt.get(`${r.provider}\u0000${decodeURIComponent(s)}`);
      if (c) who = personOfCanon(c);
      const pid = personOf.get(`${r.provider}\u0000${decodeURIComponent(s)}`);
      if (!who && pid) who = pid;
    }
    const what = `${r.effectiveMethod} ${segs.slice(-2).join('/')} ${r.status}`;
    if (who) note(who, r.provider, what);
    else unattributed.push(`${r.provider} ${what}`);
  }
  const differs: string[] = [];
  const totals: Record<string, { over: number; under: number }> = {};
  const all = new Set([...sandbox.people.map((p) => p.id), ...byPersonActual.keys()]);
  const byId = new Map(sandbox.people.map((p) => [p.id, p]));
  for (const who of all) {
    const persons = who.split('+').map((id) => byId.get(id));
    const actual = byPersonActual.get(who) ?? {};
    const lines: string[] = [];
    for (const provider of PROVIDERS) {
      let model = 0;
      if (persons.length === 1 && persons[0]) {
        const m = minWritesOf(persons[0], String(sandbox.providers.nodeping.options.customerId));
        model = m.creates[provider]! + m.updates[provider]!;
      }
      const got = actual[provider]?.length ?? 0;
      if (got !== model) {
        const t = totals[provider] ?? { over: 0, under: 0 };
        totals[provider] = t;
        if (got > model) t.over += got - model;
        else t.under += model - got;
        lines.push(`  ${provider}: model ${model}, got ${got} [${(actual[provider] ?? []).join('; ')}]`);
      }
    }
    if (lines.length === 0) continue;
    const desc = persons
      .map((p) =>
        p
          ? `${p.id} ${Object.entries(p.records)
              .map(([prov, rs]) => `${prov}×${rs!.length}(${rs!.flatMap((r) => r.quirks).join(',')})`)
              .join(' ')}`
          : 'unknown',
      )
      .join(' | ');
    differs.push(`${who}: ${desc}\n${lines.join('\n')}`);
  }
  console.log(`people whose writes differ from the model: ${differs.length}`);
  console.log(`per provider (writes over / under the model): ${JSON.stringify(totals)}`);
  console.log(`unattributed writes: ${unattributed.length} ${unattributed.slice(0, 10).join(' | ')}`);
  const canonCount = new Map<string, number>();
  for (const ids of canonPeople.values()) for (const id of ids) canonCount.set(id, (canonCount.get(id) ?? 0) + 1);
  const split = [...canonCount].filter(([, n]) => n > 1);
  console.log(`people split over several canonical records: ${split.length} ${split.slice(0, 10).join(' ')}`);
  const merged = [...canonPeople.values()].filter((s) => s.size > 1).length;
  console.log(`canonical records holding several seeded people: ${merged}`);
  const conflicts = await conflictCountsByStatus(db);
  console.log(`conflicts: ${JSON.stringify(conflicts.map((c) => [c.kind, c.status, c.n]))}`);
  for (const d of differs.slice(0, show)) console.log(d);
  for (const pid of trace) {
    const canons = [...canonPeople].filter(([, ids]) => ids.has(pid)).map(([c]) => c);
    console.log(`\n--- ${pid}: seed ${JSON.stringify(byId.get(pid)?.records)}`);
    for (const [provider, recs] of Object.entries(byId.get(pid)?.records ?? {}))
      for (const r of recs ?? []) {
        const row = await snapshotAt(db, { connectionId: provider, externalId: String(r.externalId) });
        const snap = row && { changeSeq: row.changeSeq };
        console.log(
          `  snapshot ${provider} ${r.externalId}: ${JSON.stringify(snap, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      }
    for (const c of canons) {
      const row = await personRow(db, c);
      console.log(`canonical ${c}: ${JSON.stringify(row?.data)}`);
      const cOps = await allOpsOfPerson(db, c);
      for (const op of cOps)
        console.log(
          `  op ${op.kind} ${op.connectionId} ${op.status} ${op.lastError ?? ''} changed=${JSON.stringify(op.changed)} target=${JSON.stringify(op.target)}`,
        );
      const cConflicts = await conflictsOfPerson(db, c);
      for (const x of cConflicts) console.log(`  conflict ${x.kind} ${x.status} ${JSON.stringify(x.sides)} ${x.rule}`);
      const cLinks = await linksByCanonical(db, [c]);
      for (const l of cLinks) console.log(`  link ${l.connectionId} ${l.externalId} base=${JSON.stringify(l.base)}`);
    }
  }
} finally {
  await stack.close();
  await sandbox.stop();
  await dropDatabase(services.databaseUrl, dbName).catch(() => {});
  await services.stop();
}
