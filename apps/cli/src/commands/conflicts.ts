import type { ConflictView, Decision } from '@contact-sync/admin-ops';
import { type Command, EXIT, type Io, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { show, when } from '../format.ts';
import {
  conflictStatuses,
  connection,
  json,
  op,
  pageQuery,
  paging,
  printPage,
  type Values,
  vocabulary,
  withConn,
} from './admin-common.ts';

/** `conflicts list|show|resolve`: the conflict report and hand decisions. */

export const conflictsList: Command = {
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

export const conflictsShow: Command = {
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

export const conflictsResolve: Command = {
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
