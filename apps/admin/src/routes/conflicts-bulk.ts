import type { AdminContext } from '@contact-sync/admin-ops';
import {
  BulkPreviewView,
  BulkRequest,
  BulkResultView,
  bulkResolve,
  ConflictCountsQuery,
  ConflictCountsView,
  conflictCounts,
  previewBulkResolve,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';

export const conflictBulkRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/conflicts/counts',
    tag: 'conflicts',
    summary: 'How many conflicts per kind, field and connection (status open unless given): the review navigation',
    query: ConflictCountsQuery,
    response: ConflictCountsView,
    handler: ({ query }) => conflictCounts(res, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/conflicts/bulk/preview',
    tag: 'conflicts',
    summary:
      'What one rule (pick a connection, keep, dismiss) would do to every conflict a filter (kind, connection, field) selects: the count, the skipped with reasons, a sample. Writes nothing',
    body: BulkRequest,
    response: BulkPreviewView,
    errors: ['invalid'],
    handler: ({ body }) => previewBulkResolve(res, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/conflicts/bulk/resolve',
    tag: 'conflicts',
    summary:
      "Resolve every conflict a filter selects with one rule, each through the normal push path; `expect` (the preview's count) refuses with 409 if the selection changed",
    body: BulkRequest.extend({ by: z.string().min(1).max(200).optional() }),
    response: BulkResultView,
    errors: ['invalid', 'conflict'],
    handler: ({ body }) => {
      const { by, ...req } = body;
      return bulkResolve(res, req, by ?? 'admin-api');
    },
  }),
];
