/**
 * The admin operations, for the CLI (`apps/cli`) and the admin HTTP server (`apps/admin`):
 * every function takes an `AdminContext` first (Postgres, the queues, the config: no
 * connectors), plan and apply a worker's whole `Resources`; views are zod schemas.
 */
export * from './admin/bulk-resolve.ts';
export * from './admin/conflict-people.ts';
export * from './admin/conflicts-read.ts';
export * from './admin/explain.ts';
export * from './admin/held-changes.ts';
export * from './admin/held-deletes-decide.ts';
export * from './admin/held-deletes-read.ts';
export * from './admin/history.ts';
export * from './admin/ledger-views.ts';
export * from './admin/limits.ts';
export * from './admin/ops.ts';
export * from './admin/people-merge.ts';
export * from './admin/people-search.ts';
export * from './admin/people-split.ts';
export * from './admin/quarantine.ts';
export * from './admin/record-merge.ts';
export * from './admin/resolve.ts';
export * from './admin/runs.ts';
export * from './admin/status.ts';
export * from './admin/undo.ts';
export * from './admin/views.ts';
export * from './context.ts';
export * from './plan/plan.ts';
