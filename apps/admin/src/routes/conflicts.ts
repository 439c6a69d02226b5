import type { AdminContext } from '@contact-sync/admin-ops';
import {
  ConflictPeopleView,
  ConflictQuery,
  ConflictView,
  conflictPeople,
  Decision,
  getConflict,
  listConflicts,
  PageOf,
  ResolveResultView,
  resolveConflict,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { IdParams, strictQuery } from './params.ts';

export const conflictRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/conflicts',
    tag: 'conflicts',
    summary: 'The conflict report, newest first; filter by status, connection, kind and field',
    query: strictQuery(ConflictQuery),
    response: PageOf(ConflictView),
    handler: ({ query }) => listConflicts(res, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/conflicts/:id',
    tag: 'conflicts',
    summary: 'One conflict: the base, every side, the chosen value and rule (and candidates of an ambiguous match)',
    params: IdParams,
    response: ConflictView,
    errors: ['not_found'],
    handler: ({ params }) => getConflict(res, params.id),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/conflicts/:id/people',
    tag: 'conflicts',
    summary:
      'The records a matching entry is about, side by side: the record, and every record of each person involved (names, e-mails, phones, organisation, when each changed)',
    params: IdParams,
    response: ConflictPeopleView,
    errors: ['not_found'],
    handler: ({ params }) => conflictPeople(res, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/conflicts/:id/resolve',
    tag: 'conflicts',
    summary: 'Resolve a conflict; the decision flows out through the normal push path',
    params: IdParams,
    body: z.object({ decision: Decision, by: z.string().min(1).max(200).optional() }).strict(),
    response: ResolveResultView,
    errors: ['not_found', 'conflict'],
    handler: ({ params, body }) => resolveConflict(res, params.id, body.decision, body.by ?? 'admin-api'),
  }),
];
