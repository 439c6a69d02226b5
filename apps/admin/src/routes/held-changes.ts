import type { AdminContext } from '@contact-sync/admin-ops';
import {
  DecideHeldChangesView,
  decideHeldChanges,
  getHeldChangeSet,
  HeldChangeDecision,
  HeldChangeQuery,
  HeldChangeSetView,
  listHeldChanges,
  PageOf,
} from '@contact-sync/admin-ops';
import { defineRoute } from '../route.ts';
import { IdParams, strictQuery } from './params.ts';

const decide = (res: AdminContext, decision: 'confirm' | 'reject') =>
  defineRoute({
    method: 'POST',
    url: `/api/v1/held-changes/${decision}`,
    tag: 'held-changes',
    summary:
      decision === 'confirm'
        ? 'Confirm held change sets: exactly their held updates go out'
        : 'Reject held change sets: nothing goes out, the people keep their old values and the source provider is written back',
    body: HeldChangeDecision,
    response: DecideHeldChangesView,
    handler: ({ body }) => decideHeldChanges(res, { ids: body.ids, decision }),
  });

export const heldChangeRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/held-changes',
    tag: 'held-changes',
    summary: 'Updates held by the blast-radius guard, by change set, newest first',
    query: strictQuery(HeldChangeQuery),
    response: PageOf(HeldChangeSetView),
    handler: ({ query }) => listHeldChanges(res, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/held-changes/:id',
    tag: 'held-changes',
    summary: 'One held change set with every change in it (before / after per person and connection)',
    params: IdParams,
    response: HeldChangeSetView,
    handler: ({ params }) => getHeldChangeSet(res, params.id),
  }),
  decide(res, 'confirm'),
  decide(res, 'reject'),
];
