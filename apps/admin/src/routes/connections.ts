import type { BudgetContext } from '@contact-sync/admin-ops';
import { ConnectionStatusView, connectionStatus, RunView, resumeConnection, runView } from '@contact-sync/admin-ops';
import { runProgress, startResync } from '@contact-sync/engine';
import { z } from 'zod';
import { ApiError } from '../errors.ts';
import { defineRoute } from '../route.ts';
import { IdParams } from './params.ts';

/** A connection id from the path (as the config spells them). */
const ConnectionParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.-]+$/, 'must be a connection id'),
});

const ResyncBody = z.strictObject({
  /** Full: what a pull does not see any more is marked gone. Incremental: only picks up changes. */
  full: z.boolean().default(false),
  /** One connection; all configured connections when absent. */
  connectionId: z.string().min(1).optional(),
});

const RunProgressView = z.object({
  run: RunView,
  pulls: z.object({ expected: z.number(), completed: z.number(), failed: z.number() }),
  pendingOps: z.number(),
  reconcile: z.object({ cursor: z.string(), committedSeq: z.string(), recheck: z.number() }),
  reconciled: z.boolean(),
  complete: z.boolean(),
});

async function progressOf(res: BudgetContext, runId: string) {
  const p = await runProgress(res.prisma, runId);
  if (p?.run.kind !== 'resync') throw new ApiError('not_found', `resync run "${runId}" not found`);
  return { ...p, run: runView(p.run) };
}

export const connectionRoutes = (res: BudgetContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/connections',
    tag: 'connections',
    summary: 'Status of each connection: last pull, counts, lag, errors',
    response: z.object({ items: z.array(ConnectionStatusView) }),
    handler: async () => ({ items: await connectionStatus(res) }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/connections/:id/resume',
    tag: 'connections',
    summary: 'Lift a paused connection (credential rejected); its waiting jobs run now',
    params: ConnectionParams,
    response: z.object({ connectionId: z.string(), resumed: z.number() }),
    handler: async ({ params }) => resumeConnection(res, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/resync',
    tag: 'resync',
    summary: 'Start a resync (full or incremental) of one connection or all; follow it with GET /api/v1/resync/{id}',
    body: ResyncBody,
    status: 202,
    response: RunProgressView,
    handler: async ({ body }) => {
      if (body.connectionId !== undefined && !res.connections.has(body.connectionId)) {
        throw new ApiError('invalid', `body.connectionId: unknown connection "${body.connectionId}"`);
      }
      const run = await startResync(res, {
        full: body.full,
        ...(body.connectionId ? { connectionId: body.connectionId } : {}),
      });
      return progressOf(res, run.id);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/resync/:id',
    tag: 'resync',
    summary: 'Progress of a resync: pulls done, reconcile position, ops pending; complete when all settled',
    params: IdParams,
    response: RunProgressView,
    errors: ['not_found'],
    handler: ({ params }) => progressOf(res, params.id),
  }),
];
