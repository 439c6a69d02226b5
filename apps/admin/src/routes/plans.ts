import { ApplyPlanView, applyPlan, getPlan, makePlan, PlanRequest, PlanView } from '@contact-sync/admin-ops';
import type { Resources } from '@contact-sync/engine';
import { ApiError } from '../errors.ts';
import { defineRoute } from '../route.ts';
import { IdParams } from './params.ts';

export const planRoutes = (res: Resources) => [
  defineRoute({
    method: 'POST',
    url: '/api/v1/plans',
    tag: 'plans',
    summary:
      'Plan a pull + reconcile without writing: the ops per provider with before/after per field, the conflicts it would raise, a summary. `config` previews a changed config.',
    body: PlanRequest,
    status: 201,
    response: PlanView,
    errors: ['invalid'],
    handler: ({ body }) => makePlan(res, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/plans/:id',
    tag: 'plans',
    summary: 'One plan',
    params: IdParams,
    response: PlanView,
    errors: ['not_found'],
    handler: ({ params }) => getPlan(res, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/plans/:id/apply',
    tag: 'plans',
    summary:
      'Apply a plan: exactly its ops, if the providers and the engine are as when it was made; else 409 with a fresh plan in `error.details.plan`',
    params: IdParams,
    response: ApplyPlanView,
    errors: ['not_found', 'conflict'],
    handler: async ({ params }) => {
      const r = await applyPlan(res, params.id);
      if (!r.applied) throw new ApiError('conflict', `plan ${params.id} is stale: ${r.reason}`, { plan: r.plan });
      return { plan: r.plan, opsEnqueued: r.opsEnqueued, held: r.held };
    },
  }),
];
