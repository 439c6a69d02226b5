import { type Command, EXIT, oneOf, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { when } from '../format.ts';
import {
  connection,
  json,
  op,
  opKinds,
  opStatuses,
  pageQuery,
  paging,
  printPage,
  vocabulary,
  withConn,
} from './admin-common.ts';

/** `ops list|retry`: the outbox, and retrying failed pushes. */

export const opsList: Command = {
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

export const opsRetry: Command = {
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
