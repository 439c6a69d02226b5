import type { RunView } from '@contact-sync/admin-ops';
import { type Command, EXIT, stringFlag } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { table, when } from '../format.ts';
import { connection, json, op, pageQuery, paging, printPage, withConn } from './admin-common.ts';

/** `runs list|show`: sync runs and their progress. */

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

export const runsList: Command = {
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

export const runsShow: Command = {
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
