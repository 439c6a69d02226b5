import type { MergeResult, SplitResult } from '@contact-sync/admin-ops';
import { type Command, EXIT, type OptionSpec, stringFlag, UsageError } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { show, table } from '../format.ts';
import { op } from './admin-common.ts';

const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON on stdout' } };
const SETS = new Set(['emails', 'phones', 'websites', 'chats']);

const list = (values: Record<string, unknown>, name: string): string[] => {
  const v = values[name];
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
};

/** `--set field=value` (a set field: comma-separated values, labels none) → the merge's `values`. */
export function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--set "${s}": expected FIELD=VALUE (e.g. givenName=Ann, emails=a@x.org,b@y.org)`);
    const field = s.slice(0, eq);
    const value = s.slice(eq + 1);
    out[field] = SETS.has(field)
      ? value
          .split(',')
          .filter((v) => v.trim() !== '')
          .map((v) => ({ value: v.trim(), label: null }))
      : value === ''
        ? null
        : value;
  }
  return out;
}

/** `--link CONNECTION:EXTERNAL_ID` → a record reference (the id may itself hold colons). */
export function parseLink(s: string): { connectionId: string; externalId: string } {
  const at = s.indexOf(':');
  if (at <= 0 || at === s.length - 1)
    throw new UsageError(`--link "${s}": expected CONNECTION:EXTERNAL_ID (e.g. growcrm:42)`);
  return { connectionId: s.slice(0, at), externalId: s.slice(at + 1) };
}

function printMerge(r: MergeResult, out: (l: string) => void): void {
  out(
    r.dryRun
      ? `dry run: merging ${r.from} into ${r.into} would keep:`
      : `merged ${r.from} into ${r.into} (merge ${r.mergeId}); ${r.opsEnqueued} write(s) queued. It keeps:`,
  );
  for (const l of table(
    ['field', 'into', 'from', 'kept'],
    r.fields.map((f) => [f.field, show(f.into), show(f.from), show(f.merged)]),
  ))
    out(l);
  for (const d of r.dropped)
    out(`not kept (reported): ${d.field} ${show(d.value)} of ${d.side === 'into' ? r.into : r.from}`);
  for (const d of r.duplicates)
    out(`${d.connectionId} ${d.externalId}: a second record of the merged person there, left unlinked (reported)`);
  if (r.moved.length > 0) out(`records moved: ${r.moved.map((m) => `${m.connectionId}:${m.externalId}`).join(' ')}`);
  if (!r.dryRun)
    out(
      `split again with: contact-sync people split ${r.into} ${[...r.moved, ...r.duplicates].map((m) => `--link ${m.connectionId}:${m.externalId}`).join(' ')}`,
    );
}

const merge: Command = {
  name: 'people merge',
  summary:
    'Merges person FROM into INTO: the union of their values flows out to every provider; what is not kept is reported.',
  args: '<INTO> <FROM>',
  positionals: { min: 2, max: 2 },
  options: {
    set: {
      type: 'string',
      value: 'FIELD=VALUE',
      multiple: true,
      description: 'the merged person takes this value (a set field: comma-separated, e.g. emails=a@x.org,b@y.org)',
    },
    'dry-run': { type: 'boolean', description: 'show what the merge keeps and drops, change nothing' },
    by: { type: 'string', value: 'NAME', description: 'who merges (kept in the ledger)' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const [into, from] = positionals as [string, string];
    const sets = parseSets(list(values, 'set'));
    const by = stringFlag(values, 'by') ?? process.env.USER ?? null;
    const r = await op(values, (res, ops) =>
      ops.mergePeople(
        res,
        { into, from, ...(Object.keys(sets).length ? { values: sets } : {}), dryRun: values['dry-run'] === true },
        by,
      ),
    );
    if (values.json) io.out(JSON.stringify(r));
    else printMerge(r, io.out);
    return EXIT.ok;
  },
};

function printSplit(r: SplitResult, out: (l: string) => void): void {
  out(
    r.restoredMerge
      ? `split ${r.canonicalId}: merge ${r.restoredMerge} undone, ${r.newCanonicalId} is back with its records`
      : `split ${r.canonicalId}: the records are now person ${r.newCanonicalId}`,
  );
  out(`${r.opsEnqueued} write(s) queued`);
}

const split: Command = {
  name: 'people split',
  summary:
    'Splits records off a person: naming the records a merge brought undoes it; other records become a new person.',
  args: '<ID>',
  positionals: { min: 1, max: 1 },
  options: {
    link: {
      type: 'string',
      value: 'CONNECTION:EXTERNAL_ID',
      multiple: true,
      description: 'a record that leaves the person',
    },
    by: { type: 'string', value: 'NAME', description: 'who splits (kept in the ledger)' },
    ...connectOptions,
    ...json,
  },
  details: ENV_HELP,
  run: async ({ values, positionals, io }) => {
    const links = list(values, 'link').map(parseLink);
    if (links.length === 0) throw new UsageError('--link CONNECTION:EXTERNAL_ID is required (repeat it per record)');
    const by = stringFlag(values, 'by') ?? process.env.USER ?? null;
    const r = await op(values, (res, ops) => ops.splitPerson(res, positionals[0]!, { links }, by));
    if (values.json) io.out(JSON.stringify(r));
    else printSplit(r, io.out);
    return EXIT.ok;
  },
};

export const peopleCommands: Command[] = [merge, split];
