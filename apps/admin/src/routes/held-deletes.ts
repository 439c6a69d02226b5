import type { AdminContext } from '@contact-sync/admin-ops';
import {
  DecideHeldResultView,
  decideHeldDeletes,
  HeldDeleteQuery,
  HeldDeleteView,
  listHeldDeletes,
  PageOf,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { strictQuery } from './params.ts';

const Selection = z
  .strictObject({
    ids: z.array(z.string().min(1)).min(1).optional(),
    connectionId: z.string().min(1).optional(),
  })
  .refine((s) => s.ids !== undefined || s.connectionId !== undefined, {
    message: 'give ids or connectionId',
    path: ['ids'],
  });

const decide = (res: AdminContext, decision: 'confirm' | 'reject') =>
  defineRoute({
    method: 'POST',
    url: `/api/v1/held-deletes/${decision}`,
    tag: 'held-deletes',
    summary:
      decision === 'confirm'
        ? 'Confirm held deletes (by ids or a whole connection): the deletes go through'
        : 'Reject held deletes: the records are restored from the other sides',
    body: Selection,
    response: DecideHeldResultView,
    handler: ({ body }) => decideHeldDeletes(res, { ...body, decision }),
  });

export const heldDeleteRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/held-deletes',
    tag: 'held-deletes',
    summary: 'Deletes held by the mass-delete guard, newest first',
    query: strictQuery(HeldDeleteQuery),
    response: PageOf(HeldDeleteView),
    handler: ({ query }) => listHeldDeletes(res, query),
  }),
  decide(res, 'confirm'),
  decide(res, 'reject'),
];
