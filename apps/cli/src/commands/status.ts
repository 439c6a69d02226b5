import { CliError, type Command, EXIT, intFlag, stringFlag } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { duration, short, table, when } from '../format.ts';
import { createProgress, progressLine } from '../progress.ts';
import { budgetOp, connection, json, knownConnection, op } from './admin-common.ts';

/** `status`, `connections resume` and `resync`: the deployment and its runs as they go. */

export const status: Command = {
  name: 'status',
  summary: 'Per connection: last pull, lag, records, links, open conflicts, pending/failed ops, held deletes.',
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const rows = await budgetOp(values, (res, ops) => ops.connectionStatus(res));
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

export const connectionsResume: Command = {
  name: 'connections resume',
  summary: 'Lift a paused connection (credential rejected): its waiting jobs run now; the next request tells.',
  args: '<id>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, ...json },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const id = positionals[0]!;
    const r = await budgetOp(values, (res, ops) => {
      knownConnection(res, id);
      return ops.resumeConnection(res, id);
    });
    if (values.json) io.out(JSON.stringify(r));
    else io.out(`${r.connectionId} resumed; ${r.resumed} waiting job${r.resumed === 1 ? '' : 's'} released`);
    return EXIT.ok;
  },
};

export const resync: Command = {
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
        const { startResync } = await import('@contact-sync/engine');
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
