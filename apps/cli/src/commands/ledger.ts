import type { HistoryEvent, PersonExplanation, UndoResult } from '@contact-sync/admin-ops';
import { type Command, EXIT, type OptionSpec, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { short, show, table, when } from '../format.ts';
import { op } from './admin-common.ts';

const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON on stdout' } };

const causeText = (c: unknown): string => {
  const x = (c ?? {}) as Record<string, unknown>;
  switch (x.kind) {
    case 'provider':
      return `${x.connectionId} ${x.externalId}`;
    case 'conflict':
      return `conflict (${x.policy}, ${x.status})`;
    case 'admin':
      // The decision's id (what `undo --decision` takes), unless the action names it already.
      return `admin ${x.by ?? '?'}: ${x.action}${x.decision && !String(x.action).includes(String(x.decision)) ? ` [decision ${x.decision}]` : ''}`;
    case 'undo':
      return `undo of ${x.runId ? short(x.runId as string) : `decision ${short(x.decision as string)}`}${x.by ? ` by ${x.by}` : ''}`;
    default:
      return String(x.rule ?? x.kind ?? '?');
  }
};

const eventRow = (e: HistoryEvent) =>
  e.type === 'change'
    ? [
        when(e.at),
        'change',
        e.key ? `${e.field} ${e.key}` : e.field,
        `${show(e.old)} → ${show(e.new)}`,
        causeText(e.cause),
        short(e.runId),
      ]
    : [
        when(e.at),
        `${e.kind} ${e.connectionId}`,
        e.changed.join(',') || '-',
        e.status + (e.attempts > 1 ? ` (${e.attempts} attempts)` : ''),
        e.lastError ?? '',
        short(e.runId),
      ];

const history: Command = {
  name: 'history',
  summary:
    "A person's timeline, newest first: each canonical change with its cause, and each provider write with its outcome.",
  args: '<person id | e-mail | phone>',
  positionals: { min: 1, max: 1 },
  options: {
    limit: { type: 'string', value: 'N', description: 'at most N events', default: '200' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const limit = Number(stringFlag(values, 'limit') ?? '200');
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new UsageError('--limit: 1-5000');
    const h = await op(values, (res, ops) => ops.personHistory(res, positionals[0]!, limit));
    if (values.json) {
      io.out(JSON.stringify(h));
      return EXIT.ok;
    }
    io.out(`person ${h.canonicalId}`);
    if (h.events.length === 0) io.out('no history');
    else
      for (const l of table(
        ['at', 'event', 'field', 'value / outcome', 'cause / error', 'run'],
        h.events.map(eventRow),
      ))
        io.out(l);
    return EXIT.ok;
  },
};

function printUndo(r: UndoResult, out: (l: string) => void): void {
  const reverted = r.people.reduce((n, p) => n + p.reverts.length, 0);
  const what = r.runId ? 'run' : 'decision';
  out(
    `${r.dryRun ? 'dry run: would undo' : 'undid'} ${what} ${r.runId ?? r.decisionId}: ${reverted} field${reverted === 1 ? '' : 's'} of ` +
      `${r.people.filter((p) => p.reverts.length > 0).length} people back to before the ${what}, ` +
      `${r.writes.length} write${r.writes.length === 1 ? '' : 's'}, ${r.conflictsOpened} conflict${r.conflictsOpened === 1 ? '' : 's'} for fields changed since`,
  );
  if (r.undoRunId) out(`undo run: ${r.undoRunId} (undo it with: contact-sync undo --run ${r.undoRunId})`);
  if (r.writes.length > 0)
    for (const l of table(
      ['person', 'connection', 'kind', 'fields'],
      r.writes.map((w) => [w.canonicalId, w.connectionId, w.kind, w.changed.join(',')]),
    ))
      out(l);
  for (const p of r.people)
    for (const c of p.conflicts)
      out(
        `conflict: ${p.canonicalId} ${c.field}${c.key ? ` ${c.key}` : ''}: changed since (now ${show(c.now)}), not overwritten`,
      );
}

const undo: Command = {
  name: 'undo',
  summary:
    'Undoes a run or one admin decision: each field it changed goes back unless changed since (then a conflict); --dry-run shows the writes.',
  options: {
    run: { type: 'string', value: 'RUN_ID', description: 'the run to undo (a resync, a pull, or an undo)' },
    decision: {
      type: 'string',
      value: 'ID',
      description:
        'the decision to undo: the id of the conflict resolved or held change set decided (history shows it)',
    },
    'dry-run': { type: 'boolean', description: 'plan and print the writes, change nothing' },
    by: { type: 'string', value: 'NAME', description: 'who undoes (kept in the ledger)' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const runId = stringFlag(values, 'run');
    const decisionId = stringFlag(values, 'decision');
    if (!runId && !decisionId) throw new UsageError('--run RUN_ID or --decision ID is required');
    if (runId && decisionId) throw new UsageError('--run and --decision: give one of them');
    const by = stringFlag(values, 'by') ?? process.env.USER ?? null;
    const o = { dryRun: values['dry-run'] === true, by };
    const r = await op(values, (res, ops) =>
      runId ? ops.undoRun(res, runId, o) : ops.undoDecision(res, decisionId!, o),
    );
    if (values.json) io.out(JSON.stringify(r));
    else printUndo(r, io.out);
    return EXIT.ok;
  },
};

const ledgerPrune: Command = {
  name: 'ledger prune',
  summary: 'Deletes change-ledger rows older than an age (90d, 12h, 30m).',
  options: {
    'older-than': { type: 'string', value: 'AGE', description: 'e.g. 90d', default: '90d' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const age = stringFlag(values, 'older-than') ?? '90d';
    const r = await op(values, (res, ops) => ops.pruneLedgerOlderThan(res, age));
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`${r.deleted} ledger row${r.deleted === 1 ? '' : 's'} from before ${when(r.before)} deleted`);
    return EXIT.ok;
  },
};

function printExplain(x: PersonExplanation, out: (l: string) => void): void {
  out(`person ${x.canonicalId}${x.deleted ? ' (deleted)' : ''}`);
  out(`  canonical: ${show(x.canonical)}`);
  for (const r of x.records) {
    const snap = r.snapshot;
    const state = !snap
      ? 'not pulled yet'
      : snap.goneAt
        ? 'gone'
        : snap.quarantinedAt
          ? 'quarantined'
          : `seen ${when(snap.lastSeenAt)}`;
    out(`  ${r.connectionId} ${r.externalId}: ${state}`);
    if (snap) out(`    snapshot: ${show(snap.projection)}`);
    out(`    base:     ${show(r.base)}`);
    for (const g of r.gaps)
      out(
        `    ${g.field}: ${g.reason}${g.detail ? ` (${g.detail})` : ''}; holds ${show(g.holds)}, should hold ${show(g.expected)}`,
      );
  }
  for (const o of x.ops)
    out(
      `  op ${o.id} ${o.kind} ${o.connectionId} [${o.changed.join(',')}]: ${o.status}${o.lastError ? ` — ${o.lastError}` : ''}`,
    );
  for (const c of x.conflicts) out(`  ${c.status} ${c.kind}${c.field ? ` ${c.field}` : ''} ${c.id}: ${c.rule}`);
  for (const q of x.quarantined)
    out(`  quarantined ${q.connectionId} ${q.externalId ?? '?'} (${when(q.createdAt)}): ${q.error}`);
  for (const l of x.lookalikes)
    out(`  look-alike ${l.connectionId} ${l.externalId} holds ${l.key}, linked to ${l.linkedTo ?? 'nobody'}`);
}

const explain: Command = {
  name: 'explain',
  summary:
    'Why a person looks as they do: records, snapshots, bases, unfinished ops, conflicts, and per field the reason a provider differs.',
  args: '<person id | e-mail | phone>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const x = await op(values, (res, ops) => ops.explainPerson(res, positionals[0]!));
    if (values.json) io.out(JSON.stringify(x));
    else printExplain(x, io.out);
    return EXIT.ok;
  },
};

export const ledgerCommands: Command[] = [history, explain, undo, ledgerPrune];
