import type { BulkPreviewView } from '@contact-sync/admin-ops';
import { type Command, EXIT, type OptionSpec, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { show, table } from '../format.ts';
import { op } from './admin-common.ts';

const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON on stdout' } };

/** The rule of a bulk decision from the flags: exactly one of --pick, --keep, --dismiss. */
function bulkRule(values: Record<string, unknown>) {
  const pick = stringFlag(values, 'pick');
  const chosen = [pick !== undefined, values.keep === true, values.dismiss === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('give exactly one rule: --pick CONNECTION, --keep or --dismiss');
  if (pick !== undefined) return { action: 'pick' as const, connectionId: pick };
  return values.keep === true ? { action: 'keep' as const } : { action: 'dismiss' as const };
}

function printPreview(p: BulkPreviewView, out: (l: string) => void): void {
  out(`${p.count} conflict(s) selected; the rule applies to ${p.applicable}, skips ${p.skipped.length}`);
  if (p.sample.length > 0)
    for (const l of table(
      ['conflict', 'field', 'person', 'now', 'becomes'],
      p.sample.map((s) => [s.id, s.field ?? s.kind, s.canonicalId ?? '-', show(s.chosen), show(s.value)]),
    ))
      out(l);
  for (const s of p.skipped.slice(0, 20)) out(`skipped ${s.id}: ${s.reason}`);
  if (p.skipped.length > 20) out(`… and ${p.skipped.length - 20} more skipped`);
}

const bulk: Command = {
  name: 'conflicts bulk',
  summary: 'Resolves every conflict a filter selects with one rule; shows the count and a preview unless --yes.',
  options: {
    kind: { type: 'string', value: 'KIND', description: 'only conflicts of this kind (field, rejected-write …)' },
    connection: { type: 'string', value: 'ID', description: 'only conflicts with a side in this connection' },
    field: { type: 'string', value: 'FIELD', description: 'only conflicts about this field (familyName …)' },
    status: { type: 'string', value: 'STATUS', description: 'open or auto-resolved', default: 'open' },
    pick: { type: 'string', value: 'CONNECTION', description: "rule: take this connection's value" },
    keep: { type: 'boolean', description: "rule: keep the policy's value" },
    dismiss: { type: 'boolean', description: 'rule: dismiss (nothing written)' },
    yes: { type: 'boolean', description: 'decide (refused if the selection changed since the preview it makes first)' },
    by: { type: 'string', value: 'NAME', description: 'who decides (kept in the ledger)' },
    ...connectOptions,
    ...json,
  },
  details: `Example: contact-sync conflicts bulk --kind field --field familyName --pick growcrm --yes\n${ENV_HELP}`,
  run: async ({ values, io }) => {
    const decision = bulkRule(values);
    const filter = {
      ...(stringFlag(values, 'kind') ? { kind: stringFlag(values, 'kind') } : {}),
      ...(stringFlag(values, 'connection') ? { connectionId: stringFlag(values, 'connection') } : {}),
      ...(stringFlag(values, 'field') ? { field: stringFlag(values, 'field') } : {}),
      status: (stringFlag(values, 'status') ?? 'open') as 'open',
    };
    const by = stringFlag(values, 'by') ?? process.env.USER ?? null;
    const r = await op(values, async (res, ops) => {
      const preview = await ops.previewBulkResolve(res, { filter, decision });
      if (values.yes !== true) return { preview };
      return { preview, result: await ops.bulkResolve(res, { filter, decision, expect: preview.count }, by) };
    });
    if (values.json) {
      io.out(JSON.stringify(r));
      return EXIT.ok;
    }
    printPreview(r.preview, io.out);
    if (!r.result) io.out('nothing decided: add --yes to resolve them');
    else
      io.out(
        `resolved ${r.result.resolved} of ${r.result.count}; ${r.result.opsEnqueued} write(s) queued; ${r.result.skipped.length} skipped`,
      );
    return EXIT.ok;
  },
};

const counts: Command = {
  name: 'conflicts counts',
  summary: 'How many conflicts per kind, field and connection.',
  options: {
    status: { type: 'string', value: 'STATUS', description: 'which status to count', default: 'open' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, io }) => {
    const c = await op(values, (res, ops) =>
      ops.conflictCounts(res, { status: stringFlag(values, 'status') ?? 'open' }),
    );
    if (values.json) io.out(JSON.stringify(c));
    else {
      io.out(`${c.total} ${c.status} conflict(s)`);
      for (const [title, m] of [
        ['kind', c.byKind],
        ['field', c.byField],
        ['connection', c.byConnection],
      ] as const)
        for (const l of table(
          [title, 'count'],
          Object.entries(m).map(([k, n]) => [k, n]),
        ))
          io.out(l);
    }
    return EXIT.ok;
  },
};

export const bulkCommands: Command[] = [bulk, counts];
