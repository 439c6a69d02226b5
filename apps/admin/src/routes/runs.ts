import type { AdminContext } from '@contact-sync/admin-ops';
import {
  getRun,
  listQuarantine,
  listRuns,
  PageOf,
  QuarantineQuery,
  QuarantineView,
  RunDetailView,
  RunQuery,
  RunView,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { IdParams, strictQuery } from './params.ts';

export const runRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/runs',
    tag: 'runs',
    summary: 'Sync run history (pulls, reconciles, admin resyncs), newest first',
    query: strictQuery(RunQuery.extend({ kind: z.enum(['pull', 'resync', 'reconcile']).optional() })),
    response: PageOf(RunView),
    handler: ({ query }) => listRuns(res, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/runs/:id',
    tag: 'runs',
    summary: 'One run and the runs it started (a resync and its pulls)',
    params: IdParams,
    response: RunDetailView,
    errors: ['not_found'],
    handler: ({ params }) => getRun(res, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/quarantine',
    tag: 'quarantine',
    summary: 'Records a provider returned that failed validation, with the precise error',
    query: strictQuery(QuarantineQuery),
    response: PageOf(QuarantineView),
    handler: ({ query }) => listQuarantine(res, query),
  }),
];
