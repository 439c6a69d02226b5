import type { AdminContext, BudgetContext, Page } from '@contact-sync/admin-ops';
import { CliError, EXIT, type Io, intFlag, type OptionSpec, oneOf, stringFlag } from '../cli.ts';
import { withAdminContext } from '../context.ts';
import { table } from '../format.ts';

/** What the admin commands share: their common flags, paging, and the call into the admin operations. */

export type Values = Record<string, string | boolean | string[] | undefined>;

export const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print JSON on stdout' } };
export const paging: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', description: 'items per page, 1-500', default: '50' },
  cursor: { type: 'string', value: 'CURSOR', description: 'the next page (printed after a full page)' },
};
export const connection: Record<string, OptionSpec> = {
  connection: { type: 'string', value: 'ID', description: 'only this connection' },
};

export type AdminOps = typeof import('@contact-sync/admin-ops');

/** An admin refusal (AdminOpError) → its exit code in the shared catalog (ADMIN_ERRORS). */
export const mapAdminError =
  (ops: AdminOps) =>
  (err: unknown): never => {
    if (err instanceof ops.AdminOpError) throw new CliError(err.message, ops.ADMIN_ERRORS[err.code].exit);
    throw err;
  };

/** Runs an admin operation on the deployment's admin context (loaded on use: --help stays fast). */
export async function op<T>(values: Values, fn: (res: AdminContext, ops: AdminOps) => Promise<T>): Promise<T> {
  const ops = await import('@contact-sync/admin-ops');
  return withAdminContext(values, (res) => fn(res, ops).catch(mapAdminError(ops)));
}

/** `op` with each connection's request budget opened too (connection status, resume). */
export async function budgetOp<T>(values: Values, fn: (res: BudgetContext, ops: AdminOps) => Promise<T>): Promise<T> {
  const ops = await import('@contact-sync/admin-ops');
  return withAdminContext(values, (res) => fn(res, ops).catch(mapAdminError(ops)), { budgets: true });
}

/** `--NAME` checked against a vocabulary the API also uses (loaded on use, like the ops). */
export async function vocabulary(
  values: Values,
  name: string,
  allowed: () => Promise<readonly string[]>,
  fallback: string,
) {
  return oneOf(values, name, [...(await allowed()), 'all']) ?? fallback;
}
export const conflictStatuses = async () => (await import('@contact-sync/admin-ops')).ConflictStatus.options;
export const opStatuses = async () => (await import('@contact-sync/admin-ops')).OpStatus.options;
export const opKinds = async () => (await import('@contact-sync/admin-ops')).OpKind.options;

export function pageQuery(values: Values) {
  const limit = intFlag(values, 'limit', { min: 1, max: 500, default: 50 })!;
  const cursor = stringFlag(values, 'cursor');
  return { limit, ...(cursor ? { cursor } : {}) };
}

export function printPage<T>(
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

export function knownConnection(res: AdminContext, id: string | undefined): void {
  if (id && !res.connections.has(id))
    throw new CliError(
      `--connection: unknown connection "${id}" (configured: ${[...res.connections.keys()].join(', ')})`,
      EXIT.notFound,
    );
}

export const withConn = (values: Values) => {
  const c = stringFlag(values, 'connection');
  return c ? { connectionId: c } : {};
};
