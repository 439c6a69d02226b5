import type { PlanView } from '@contact-sync/admin-ops';
import { type Command, EXIT, type Io, stringFlag } from '../cli.ts';
import { connectOptions, ENV_HELP, withResources } from '../context.ts';
import { show, table } from '../format.ts';
import { mapAdminError } from './admin-common.ts';

const ops = () => import('@contact-sync/admin-ops');

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The plan as an admin reads it: the summary per connection, then every write with before → after. */
function printPlan(io: Io, plan: PlanView): void {
  io.out(`plan ${plan.id} (${plan.status}): ${plan.summary.ops} writes, ${plan.summary.conflicts} conflicts`);
  io.out(
    `  pulled ${plan.connectionIds.join(', ')}${plan.full ? ' (full)' : ''}; snapshots ${plan.snapshotHash.slice(0, 12)}`,
  );
  const rows = plan.summary.connections.map((c) => [
    c.connectionId,
    c.pulled,
    c.records,
    c.people,
    c.creates,
    c.updates,
    c.deletes,
    c.held,
    pct(c.share),
    Object.entries(c.fields)
      .map(([f, v]) => `${f} ${v.changed} (${pct(v.share)})`)
      .join(', '),
  ]);
  io.out('');
  for (const l of table(
    ['connection', 'pulled', 'records', 'people', 'creates', 'updates', 'deletes', 'held', 'changed', 'per field'],
    rows,
  ))
    io.out(l);
  if (plan.ops.length > 0) io.out('');
  for (const o of plan.ops) {
    io.out(
      `${o.kind} ${o.connectionId} ${o.externalId ?? '(new)'} ${o.person}${o.held ? ' [held by the update guard]' : ''}`,
    );
    for (const f of o.fields) io.out(`    ${f.field}: ${show(f.before)} → ${show(f.after)}`);
  }
  if (plan.conflicts.length > 0) io.out('');
  for (const c of plan.conflicts)
    io.out(`conflict ${c.kind} ${c.connectionId ?? ''} ${c.field ?? ''} ${c.person}: ${c.rule}`);
}

const planCommand: Command = {
  name: 'plan',
  summary: 'Pull and reconcile without writing: what a sync would write to each provider, and why.',
  options: {
    connection: { type: 'string', value: 'ID', description: 'pull only this connection' },
    full: { type: 'boolean', description: 'as a full pull (records no longer listed count as deletes)' },
    ...connectOptions,
    json: { type: 'boolean', description: 'print JSON on stdout' },
  },
  details: `Calls the providers (reads only): their credentials must be set. Give --config FILE to preview a changed config.\nApply the plan with \`contact-sync apply PLAN_ID\`.\n${ENV_HELP}`,
  run: async ({ values, io }) => {
    const admin = await ops();
    const { makePlan } = admin;
    const connectionId = stringFlag(values, 'connection');
    const plan = await withResources(values, (res) =>
      makePlan(res, { ...(connectionId ? { connectionId } : {}), full: values.full === true }).catch(
        mapAdminError(admin),
      ),
    );
    if (values.json) io.out(JSON.stringify(plan));
    else printPlan(io, plan);
    return EXIT.ok;
  },
};

const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply a plan: exactly its writes, if nothing changed since it was made (else a fresh plan, exit 4).',
  args: '<plan-id>',
  positionals: { min: 1, max: 1 },
  options: { ...connectOptions, json: { type: 'boolean', description: 'print JSON on stdout' } },
  details: `Pulls again (reads only); when the providers or the engine changed since the plan, writes nothing and prints a fresh plan.\n${ENV_HELP}`,
  run: async ({ values, positionals, io }) => {
    const admin = await ops();
    const { applyPlan } = admin;
    const r = await withResources(values, (res) => applyPlan(res, positionals[0]!).catch(mapAdminError(admin)));
    if (values.json) io.out(JSON.stringify(r));
    else if (r.applied)
      io.out(`applied plan ${r.plan.id}: ${r.opsEnqueued} writes enqueued, ${r.held} held by the update guard`);
    else {
      io.err(`plan ${positionals[0]} is stale (${r.reason}): nothing written. A fresh plan:`);
      printPlan(io, r.plan);
    }
    return r.applied ? EXIT.ok : EXIT.conflict;
  },
};

export const planCommands: Command[] = [planCommand, applyCommand];
