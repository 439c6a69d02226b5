import { type Command, EXIT, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { when } from '../format.ts';
import { connection, json, op, pageQuery, paging, printPage, withConn } from './admin-common.ts';

/** What waits for an admin: quarantined records, held deletes and held change sets. */

export const quarantineList: Command = {
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

export const deletesList: Command = {
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

export const decideDeletes = (decision: 'confirm' | 'reject'): Command => ({
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

export const changesList: Command = {
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

export const decideChanges = (decision: 'confirm' | 'reject'): Command => ({
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
