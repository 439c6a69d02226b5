import type { AdminContext } from '@contact-sync/admin-ops';
import { listOps, OpQuery, OpView, PageOf, RetryResultView, RetrySelection, retryOps } from '@contact-sync/admin-ops';
import { ApiError } from '../errors.ts';
import { defineRoute } from '../route.ts';
import { strictQuery } from './params.ts';

export const opRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/ops',
    tag: 'ops',
    summary: 'Outbox ops (pushes), newest first; status=failed lists the failed pushes',
    query: strictQuery(OpQuery),
    response: PageOf(OpView),
    handler: ({ query }) => listOps(res, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/ops/retry',
    tag: 'ops',
    summary: 'Retry failed ops (by ids or a whole connection): back to pending and re-enqueued',
    body: RetrySelection,
    response: RetryResultView,
    handler: ({ body }) => {
      // As resync does: a connection the config does not know is a bad request, not "0 retried".
      if (body.connectionId !== undefined && !res.connections.has(body.connectionId))
        throw new ApiError('invalid', `body.connectionId: unknown connection "${body.connectionId}"`);
      return retryOps(res, body);
    },
  }),
];
