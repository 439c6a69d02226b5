import type { Resources } from '@contact-sync/worker';
import type { ConflictView, Decision, Page, RunView } from '@contact-sync/worker/admin-ops';
import {
  CliError,
  type Command,
  EXIT,
  type Io,
  intFlag,
  type OptionSpec,
  oneOf,
  stringFlag,
  UsageError,
} from '../cli.ts';
import { connectOptions, ENV_HELP, withResources } from '../context.ts';
import { duration, short, show, table, when } from '../format.ts';
import { createProgress, progressLine } from '../progress.ts';

type Values = Record<string, string | boolean | string[] | undefined>;

const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON on stdout' } };
const paging: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', description: 'items per page, 1-500', default: '50' },
  cursor: { type: 'string', value: 'CURSOR', description: 'the next page (printed after a full page)' },
};
const connection: Record<string, OptionSpec> = {
  connection: { type: 'string', value: 'ID', description: 'only this connection' },
};

type AdminOps = typeof import('@contact-sync/worker/admin-ops');

/** An admin refusal (AdminOpError) → its exit code in the shared catalog (ADMIN_ERRORS). */
export const mapAdminError =
  (ops: AdminOps) =>
  (err: unknown): never => {
    if (err instanceof ops.AdminOpError) throw new CliError(err.message, ops.ADMIN_ERRORS[err.code].exit);
    throw err;
  };

/** Runs an admin operation on the deployment's resources (loaded on use: --help stays fast). */
export async function op<T>(values: Values, fn: (res: Resources, ops: AdminOps) => Promise<T>): Promise<T> {
  const ops = await import('@contact-sync/worker/admin-ops');
  return withResources(values, (res) => fn(res, ops).catch(mapAdminError(ops)));
}

/** `--NAME` checked against a vocabulary the API also uses (loaded on use, like the ops). */
async function vocabulary(values: Values, name: string, allowed: () => Promise<readonly string[]>, fallback: string) {
  return oneOf(values, name, [...(await allowed()), 'all']) ?? fallback;
}
const conflictStatuses = async () => (await import('@contact-sync/worker/admin-ops')).ConflictStatus.options;
const opStatuses = async () => (await import('@contact-sync/worker/admin-ops')).OpStatus.options;
const opKinds = async () => (await import('@contact-sync/worker/admin-ops')).OpKind.options;

function pageQuery(values: Values) {
  const limit = intFlag(values, 'limit', { min: 1, max: 500, default: 50 })!;
  const cursor = stringFlag(values, 'cursor');
  return { limit, ...(cursor ? { cursor } : {}) };
}

function printPage<T>(
  io: Io,
  values: Values,
  page: Page<T>,
  head: string[],
  row: (item: T) => unknown[],
  empty: string,
) {
  if (values.json) {
    io.out(JSON.stringify(page));
    return;
  }
  if (page.items.length === 0) io.out(empty);
  else for (const line of table(head, page.items.map(row))) io.out(line);
  if (page.nextCursor) io.err(`more: --cursor ${page.nextCursor}`);
}

function knownConnection(res: Resources, id: string | undefined): void {
  if (id && !res.connections.has(id))
    throw new CliError(
      `--connection: unknown connection "${id}" (configured: ${[...res.connections.keys()].join(', ')})`,
      EXIT.notFound,
    );
}

const withConn = (values: Values) => {
  const c = stringFlag(values, 'connection');
  return c ? { connectionId: c } : {};
};

const status: Command = {
  name: 'status',
  summary: 'Per connection: last pull, lag, records, links, open conflicts, pending/failed ops, held deletes.',
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const rows = await op(values, (res, ops) => ops.connectionStatus(res));
    if (values.json) {
      io.out(JSON.stringify(rows));
      return EXIT.ok;
    }
    const lines = table(
      [
        'connection',
        'provider',
        'dir',
        'last pull',
        'result',
        'lag',
        'records',
        'links',
        'quarantined',
        'conflicts',
        'pending',
        'failed',
        'held',
        'limits',
      ],
      rows.map((s) => [
        s.id,
        s.provider,
        s.direction,
        when(s.lastPull?.startedAt),
        s.lastPull ? (s.lastPull.error ? `${s.lastPull.status}: ${s.lastPull.error}` : s.lastPull.status) : 'never',
        duration(s.lagSeconds),
        s.counts.snapshots,
        s.counts.links,
        s.counts.quarantined,
        s.counts.openConflicts,
        s.counts.pendingOps,
        s.counts.failedOps,
        s.counts.heldDeletes,
        s.limits.message,
      ]),
    );
    for (const l of lines) io.out(l);
    for (const s of rows) {
      const f = s.limits.feasibility;
      if (f?.warning) io.err(`warning: ${s.id}: ${f.warning}`);
    }
    return EXIT.ok;
  },
};

const connectionsResume: Command = {
  name: 'connections resume',
  summary: 'Lift a paused connection (credential rejected): its waiting jobs run now; the next request tells.',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const id = positionals[0]!;
    const r = await op(values, (res, ops) => {
      knownConnection(res, id);
      return ops.resumeConnection(res, id);
    });
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`${r.connectionId} resumed; ${r.resumed} waiting job${r.resumed === 1 ? '' : 's'} released`);
    return EXIT.ok;
  },
};

const resync: Command = {
  name: 'resync',
  summary: 'Start a resync of every connection (or one); with --wait, follow it to the end.',
  options: {
    ...connection,
    incremental: {
      type: 'boolean',
      description: 'only pick up changes (a full resync also marks vanished records gone)',
    },
    wait: { type: 'boolean', description: 'show progress on stderr until it is complete; exit 1 if a pull failed' },
    timeout: { type: 'string', value: 'SECONDS', description: 'with --wait: give up after this long', default: '1800' },
    ...connectOptions,
    ...json,
  },
  details: `A running worker (\`contact-sync worker\`) does the work; this command only asks for it.\n${ENV_HELP}`,
  run: async ({ values, io }) => {
    const timeoutMs = intFlag(values, 'timeout', { min: 1, default: 1800 })! * 1000;
    return op(values, async (res) => {
      const connectionId = stringFlag(values, 'connection');
      knownConnection(res, connectionId);
      const full = values.incremental !== true;
      if (!values.wait) {
        const { startResync } = await import('@contact-sync/worker');
        const run = await startResync(res, { full, ...(connectionId ? { connectionId } : {}) });
        if (values.json) io.out(JSON.stringify({ runId: run.id, full, connectionId: connectionId ?? null }));
        else
          io.out(
            `started ${full ? 'full' : 'incremental'} resync ${run.id} (follow it: contact-sync runs show ${run.id})`,
          );
        return EXIT.ok;
      }
      const progress = createProgress('resync', { tty: io.tty, everyMs: 2000 });
      const { waitForRun } = await import('../run-wait.ts');
      const outcome = await waitForRun(
        res,
        { full, ...(connectionId ? { connectionId } : {}) },
        { timeoutMs, onProgress: progress.update },
      ).finally(() => progress.done());
      const r = outcome.progress.run;
      if (values.json)
        io.out(
          JSON.stringify({
            runId: r.id,
            ok: outcome.ok,
            status: r.status,
            pulled: r.pulled,
            changed: r.changed,
            opsPlanned: r.opsPlanned,
            opsApplied: r.opsApplied,
            opsFailed: r.opsFailed,
            conflicts: r.conflicts,
            failedConnections: outcome.failedConnections,
          }),
        );
      else {
        for (const f of outcome.failedConnections) io.err(`pull of ${f.connectionId} failed: ${f.error}`);
        io.out(
          `${outcome.ok ? 'completed' : 'FAILED'}: ${progressLine(`resync ${short(r.id)}`, outcome.progress, Date.now() - r.startedAt.getTime())}`,
        );
      }
      if (r.opsFailed > 0)
        io.err(`${r.opsFailed} ops failed (rejected by a provider or out of attempts): contact-sync ops list`);
      return outcome.ok ? EXIT.ok : EXIT.failure;
    }).catch((err) => {
      if (err instanceof CliError) throw err;
      throw new CliError((err as Error).message, EXIT.failure);
    });
  },
};

const conflictsList: Command = {
  name: 'conflicts list',
  summary: 'The conflict report: field conflicts, ambiguous matches, rejected writes, held deletes … newest first.',
  options: {
    status: {
      type: 'string',
      value: 'STATUS',
      description: 'open, auto-resolved, resolved, dismissed, info, or all',
      default: 'open',
    },
    ...connection,
    kind: { type: 'string', value: 'KIND', description: 'e.g. field, ambiguous-match, duplicate-in-provider' },
    field: { type: 'string', value: 'FIELD', description: 'e.g. familyName, emails' },
    ...paging,
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const st = await vocabulary(values, 'status', conflictStatuses, 'open');
    const kind = stringFlag(values, 'kind');
    const field = stringFlag(values, 'field');
    const page = await op(values, (res, ops) =>
      ops.listConflicts(res, {
        ...pageQuery(values),
        ...(st !== 'all' ? { status: st as 'open' } : {}),
        ...withConn(values),
        ...(kind ? { kind } : {}),
        ...(field ? { field } : {}),
      }),
    );
    printPage(
      io,
      values,
      page,
      ['id', 'kind', 'status', 'connection', 'field', 'chosen', 'rule', 'created'],
      (c: ConflictView) => [c.id, c.kind, c.status, c.connectionId, c.field, c.chosen, c.rule, when(c.createdAt)],
      `no ${st === 'all' ? '' : `${st} `}conflicts`,
    );
    return EXIT.ok;
  },
};

const conflictsShow: Command = {
  name: 'conflicts show',
  summary: 'One conflict: the base, every side, the value chosen and why, candidates of an ambiguous match.',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const c = await op(values, (res, ops) => ops.getConflict(res, positionals[0]!));
    if (values.json) io.out(JSON.stringify(c));
    else printConflict(io, c);
    return EXIT.ok;
  },
};

function printConflict(io: Io, c: ConflictView): void {
  io.out(`conflict ${c.id}`);
  io.out(`  kind:       ${c.kind}`);
  io.out(`  status:     ${c.status}${c.resolvedAt ? ` (${when(c.resolvedAt)})` : ''}`);
  io.out(`  person:     ${c.canonicalId ?? '-'}`);
  if (c.connectionId) io.out(`  connection: ${c.connectionId}`);
  if (c.field) io.out(`  field:      ${c.field}`);
  io.out(`  base:       ${show(c.base)}`);
  if (c.sides.length > 0) {
    io.out('  sides:');
    for (const s of c.sides)
      io.out(
        `    ${s.connectionId.padEnd(10)} ${show(s.value)}${s.externalId ? `  (${s.externalId})` : ''}${s.updatedAt ? `  updated ${when(s.updatedAt)}` : ''}`,
      );
  }
  io.out(`  chosen:     ${show(c.chosen)}`);
  io.out(`  rule:       ${c.rule}`);
  if (c.resolution) io.out(`  resolution: ${show(c.resolution)}`);
  if (c.candidates?.length) {
    io.out('  candidates:');
    for (const cand of c.candidates)
      io.out(
        `    ${cand.id}${cand.deleted ? ' (deleted)' : ''}  ${show(cand.data)}  linked: ${cand.links.map((l) => `${l.connectionId}/${l.externalId}`).join(', ') || '-'}`,
      );
  }
  io.out(`  created:    ${when(c.createdAt)}`);
}

const conflictsResolve: Command = {
  name: 'conflicts resolve',
  summary: 'Decide a conflict; the decision goes out through the normal push path.',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: {
    keep: { type: 'boolean', description: 'keep the value the policy chose (for a held conflict: write it out)' },
    pick: { type: 'string', value: 'CONNECTION', description: "take that side's value" },
    value: { type: 'string', value: 'JSON', description: 'enter a value: a JSON value, e.g. \'"Smith"\' or null' },
    link: {
      type: 'string',
      value: 'PERSON',
      description: 'ambiguous match: link the record to this candidate person id',
    },
    'create-new': { type: 'boolean', description: 'ambiguous match: the record is a new person' },
    dismiss: { type: 'boolean', description: 'close it without writing anything' },
    by: { type: 'string', value: 'NAME', description: 'who decided (recorded with the resolution)', default: '$USER' },
    ...connectOptions,
    ...json,
  },
  details: `Give exactly one of --keep, --pick, --value, --link, --create-new, --dismiss.\n${ENV_HELP}`,
  run: async ({ values, positionals, io }) => {
    const decision = decisionOf(values);
    const by = stringFlag(values, 'by') ?? process.env.USER ?? 'cli';
    const r = await op(values, (res, ops) => ops.resolveConflict(res, positionals[0]!, decision, by));
    if (values.json) io.out(JSON.stringify(r));
    else
      io.out(
        `conflict ${r.conflict.id} ${r.conflict.status}; ${r.opsEnqueued} op${r.opsEnqueued === 1 ? '' : 's'} enqueued`,
      );
    return EXIT.ok;
  },
};

function decisionOf(values: Values): Decision {
  const given = ['keep', 'pick', 'value', 'link', 'create-new', 'dismiss'].filter((k) => values[k] !== undefined);
  if (given.length !== 1)
    throw new UsageError(
      given.length === 0
        ? 'give one of --keep, --pick, --value, --link, --create-new, --dismiss'
        : `give only one of ${given.map((g) => `--${g}`).join(', ')}`,
    );
  switch (given[0]) {
    case 'keep':
      return { action: 'keep' };
    case 'pick':
      return { action: 'pick', connectionId: stringFlag(values, 'pick')! };
    case 'value': {
      const text = stringFlag(values, 'value')!;
      try {
        return { action: 'value', value: JSON.parse(text) };
      } catch {
        throw new UsageError(`--value must be JSON (quote strings: '"Smith"'), got ${text}`);
      }
    }
    case 'link':
      return { action: 'link', canonicalId: stringFlag(values, 'link')! };
    case 'create-new':
      return { action: 'create-new' };
    default:
      return { action: 'dismiss' };
  }
}

const quarantineList: Command = {
  name: 'quarantine list',
  summary: 'Records a provider returned that failed validation, with the precise error, newest first.',
  options: { ...connection, ...paging, ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const page = await op(values, (res, ops) => ops.listQuarantine(res, { ...pageQuery(values), ...withConn(values) }));
    printPage(
      io,
      values,
      page,
      ['id', 'connection', 'external id', 'error', 'created'],
      (q) => [q.id, q.connectionId, q.externalId, q.error, when(q.createdAt)],
      'nothing quarantined',
    );
    return EXIT.ok;
  },
};

const deletesList: Command = {
  name: 'deletes list',
  summary: 'Deletes held back by the mass-delete guard, newest first.',
  options: {
    ...connection,
    status: { type: 'string', value: 'STATUS', description: 'held, confirmed or rejected', default: 'held' },
    ...paging,
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const st = stringFlag(values, 'status') ?? 'held';
    if (!['held', 'confirmed', 'rejected'].includes(st))
      throw new UsageError(`--status must be one of held, confirmed, rejected, got "${st}"`);
    const page = await op(values, (res, ops) =>
      ops.listHeldDeletes(res, { ...pageQuery(values), ...withConn(values), status: st as 'held' }),
    );
    printPage(
      io,
      values,
      page,
      ['id', 'connection', 'external id', 'person', 'status', 'record', 'held since'],
      (h) => [h.id, h.connectionId, h.externalId, h.canonicalId, h.status, h.projection, when(h.createdAt)],
      `no ${st} deletes`,
    );
    return EXIT.ok;
  },
};

const decideDeletes = (decision: 'confirm' | 'reject'): Command => ({
  name: `deletes ${decision}`,
  summary:
    decision === 'confirm'
      ? 'Confirm held deletes: the records really are gone, delete the people elsewhere as the policy says.'
      : 'Reject held deletes: the records are still wanted, re-create them where they vanished.',
  args: '[<id>…]',
  positionals: { min: 0, max: 1000 },
  options: { ...connection, ...connectOptions, ...json },
  details: `Give held-delete ids, or --connection ID for all of a connection's held deletes.\n${ENV_HELP}`,
  run: async ({ values, positionals, io }) => {
    const conn = stringFlag(values, 'connection');
    if (positionals.length === 0 && !conn) throw new UsageError('give held-delete ids or --connection ID');
    const r = await op(values, (res, ops) =>
      ops.decideHeldDeletes(res, {
        decision,
        ...(positionals.length > 0 ? { ids: positionals } : {}),
        ...(conn ? { connectionId: conn } : {}),
      }),
    );
    if (values.json) io.out(JSON.stringify(r));
    else
      io.out(
        `${decision === 'confirm' ? 'confirmed' : 'rejected'} ${r.decided} held delete${r.decided === 1 ? '' : 's'}; ${r.opsEnqueued} ops enqueued`,
      );
    return EXIT.ok;
  },
});

const opsList: Command = {
  name: 'ops list',
  summary: 'Outbox operations (pushes to providers), newest first; --status failed for the failed ones.',
  options: {
    status: {
      type: 'string',
      value: 'STATUS',
      description: 'pending, in_flight, done, failed, superseded, or all',
      default: 'failed',
    },
    ...connection,
    kind: { type: 'string', value: 'KIND', description: 'create, update or delete' },
    ...paging,
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const st = await vocabulary(values, 'status', opStatuses, 'failed');
    const kind = oneOf(values, 'kind', await opKinds());
    const page = await op(values, (res, ops) =>
      ops.listOps(res, {
        ...pageQuery(values),
        ...(st !== 'all' ? { status: st as 'failed' } : {}),
        ...withConn(values),
        ...(kind ? { kind } : {}),
      }),
    );
    printPage(
      io,
      values,
      page,
      [
        'id',
        'connection',
        'kind',
        'status',
        'external id',
        'attempts',
        'http (failed)',
        'changed',
        'last error',
        'updated',
      ],
      (o) => [
        o.id,
        o.connectionId,
        o.kind,
        o.status,
        o.externalId,
        o.attempts,
        `${o.httpAttempts} (${o.httpFailures})`,
        o.changed.join(','),
        o.lastError,
        when(o.updatedAt),
      ],
      `no ${st === 'all' ? '' : `${st} `}ops`,
    );
    return EXIT.ok;
  },
};

const opsRetry: Command = {
  name: 'ops retry',
  summary: 'Put failed ops back on their queues (pending again, a fresh set of attempts).',
  args: '[<id>…]',
  positionals: { min: 0, max: 1000 },
  options: { ...connection, ...connectOptions, ...json },
  details: `Give op ids, or --connection ID for every failed op of a connection.\n${ENV_HELP}`,
  run: async ({ values, positionals, io }) => {
    const conn = stringFlag(values, 'connection');
    if (positionals.length === 0 && !conn) throw new UsageError('give op ids or --connection ID');
    const r = await op(values, (res, ops) =>
      ops.retryOps(res, {
        ...(positionals.length > 0 ? { ids: positionals } : {}),
        ...(conn ? { connectionId: conn } : {}),
      }),
    );
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`${r.retried} failed op${r.retried === 1 ? '' : 's'} queued again`);
    return EXIT.ok;
  },
};

const runRow = (r: RunView) => [
  r.id,
  r.kind,
  r.connectionId ?? 'all',
  r.full ? 'full' : 'incr',
  r.status,
  r.pulled,
  r.changed,
  r.opsPlanned,
  r.opsApplied,
  r.opsFailed,
  r.conflicts,
  when(r.startedAt),
];
const runHead = [
  'id',
  'kind',
  'connection',
  'mode',
  'status',
  'pulled',
  'changed',
  'planned',
  'applied',
  'failed',
  'conflicts',
  'started',
];

const runsList: Command = {
  name: 'runs list',
  summary: 'Pulls and resyncs with their counts, newest first.',
  options: {
    ...connection,
    kind: { type: 'string', value: 'KIND', description: 'pull or resync' },
    ...paging,
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const kind = stringFlag(values, 'kind');
    const page = await op(values, (res, ops) =>
      ops.listRuns(res, { ...pageQuery(values), ...withConn(values), ...(kind ? { kind } : {}) }),
    );
    printPage(io, values, page, runHead, runRow, 'no runs');
    return EXIT.ok;
  },
};

const runsShow: Command = {
  name: 'runs show',
  summary: 'One run with its counts, error, and (for a resync) its pulls.',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const r = await op(values, (res, ops) => ops.getRun(res, positionals[0]!));
    if (values.json) {
      io.out(JSON.stringify(r));
      return EXIT.ok;
    }
    io.out(
      `run ${r.id}: ${r.kind} ${r.full ? 'full' : 'incremental'} of ${r.connectionId ?? 'every connection'}, ${r.status}`,
    );
    io.out(`  started ${when(r.startedAt)}, finished ${when(r.finishedAt)}`);
    io.out(
      `  pulled ${r.pulled}, changed ${r.changed}, gone ${r.gone}, quarantined ${r.quarantined}; ` +
        `ops planned ${r.opsPlanned}, applied ${r.opsApplied}, failed ${r.opsFailed}; conflicts ${r.conflicts}`,
    );
    if (r.error) io.out(`  error: ${r.error}`);
    if (r.children.length > 0) {
      io.out('');
      for (const l of table(runHead, r.children.map(runRow))) io.out(`  ${l}`);
    }
    return EXIT.ok;
  },
};

const changesList: Command = {
  name: 'changes list',
  summary: 'Updates held back by the blast-radius guard, by change set, newest first.',
  options: {
    status: { type: 'string', value: 'STATUS', description: 'held, confirmed, rejected or resolved', default: 'held' },
    ...paging,
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const st = stringFlag(values, 'status') ?? 'held';
    if (!['held', 'confirmed', 'rejected', 'resolved'].includes(st))
      throw new UsageError(`--status must be one of held, confirmed, rejected, resolved, got "${st}"`);
    const page = await op(values, (res, ops) =>
      ops.listHeldChanges(res, { ...pageQuery(values), status: st as 'held' }, { items: 3 }),
    );
    printPage(
      io,
      values,
      page,
      ['id', 'fields', 'status', 'held writes', 'tripped', 'example', 'held since'],
      (s) => [
        s.id,
        s.field,
        s.status,
        Object.entries(s.writes)
          .map(([c, n]) => `${c} ${n}`)
          .join(', '),
        s.summary.map((t) => `${t.connectionId}.${t.field} ${t.changed}/${t.total}`).join(', '),
        s.items[0] ? `${JSON.stringify(s.items[0].before)} → ${JSON.stringify(s.items[0].after)}` : '',
        when(s.createdAt),
      ],
      `no ${st} change sets`,
    );
    return EXIT.ok;
  },
};

const decideChanges = (decision: 'confirm' | 'reject'): Command => ({
  name: `changes ${decision}`,
  summary:
    decision === 'confirm'
      ? 'Confirm held change sets: exactly their held updates go out.'
      : 'Reject held change sets: nothing goes out; the people keep their old values, written back to the source.',
  args: '<id>…',
  positionals: { min: 1, max: 1000 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const r = await op(values, (res, ops) => ops.decideHeldChanges(res, { decision, ids: positionals }));
    if (values.json) io.out(JSON.stringify(r));
    else
      io.out(
        `${decision === 'confirm' ? 'confirmed' : 'rejected'} ${r.decided} change set${r.decided === 1 ? '' : 's'}; ${r.writes} held writes released; ${r.opsEnqueued} ops enqueued`,
      );
    return EXIT.ok;
  },
});

export const adminOpCommands: Command[] = [
  status,
  connectionsResume,
  resync,
  conflictsList,
  conflictsShow,
  conflictsResolve,
  quarantineList,
  deletesList,
  decideDeletes('confirm'),
  decideDeletes('reject'),
  changesList,
  decideChanges('confirm'),
  decideChanges('reject'),
  opsList,
  opsRetry,
  runsList,
  runsShow,
];
