import type { FastifyReply } from 'fastify';
import type { ProviderContext, ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { INVALID_JSON, nodepingAction, nodepingParams, nodepingToken } from './params.ts';
import { registerNodepingRoutes } from './routes.ts';
import { seedNodeping } from './seed.ts';
import { NodepingState } from './state.ts';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PREFIX = '/nodeping/api/1';

export function createNodeping(ctx: ProviderContext): ProviderDefinition<NodepingState> {
  const rng = new Rng(deriveSeed(ctx.seed, 'nodeping'));
  const customer = () =>
    `2012${String(rng.int(10, 12))}${String(rng.int(10, 28))}${String(rng.int(1000, 2359))}${rng.chars(5, ID_CHARS)}`;
  const state = new NodepingState(rng, customer(), [customer(), customer()]);
  seedNodeping(state, ctx.people, rng);
  const credential = new Rng(deriveSeed(ctx.seed, 'nodeping-key')).chars(32, ID_CHARS);
  const apiError = (reply: FastifyReply, status: number, error: string) =>
    reply.code(state.errorStatus === 'observed' ? 200 : status).send({ error });

  return {
    key: 'nodeping',
    prefix: PREFIX,
    credential,
    options: { customerId: state.primaryId, subaccounts: state.subaccountIds },
    api: state,
    snapshot: () => state.snapshot(),
    register(scope) {
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
        return apiError(reply, status, status === 500 ? 'Internal server error' : err.message);
      });
      registerNodepingRoutes(scope, state, { errorStatus: () => state.errorStatus });
    },
    authenticate: (req) => (nodepingToken(req) === credential ? credential : null),
    rejectAuth: (_req, reply) => apiError(reply, 403, 'Invalid access token'),
    // Injected infrastructure faults (5xx, 429, 504) keep their real status.
    sendError: (reply, status, message) => reply.code(status).send({ error: message }),
    effectiveMethod: (req) => nodepingAction(req),
    // The list is one unpaginated map: a GET of /contacts without an id (of a known account).
    emptyList(req) {
      if (nodepingAction(req) !== 'GET' || req.routeOptions.url !== `${PREFIX}/contacts`) return undefined;
      const params = nodepingParams(req);
      if (params === INVALID_JSON || (typeof params.id === 'string' && params.id !== '')) return undefined;
      const customerId = typeof params.customerid === 'string' && params.customerid !== '' ? params.customerid : null;
      return customerId === null || state.hasAccount(customerId) ? {} : undefined;
    },
    rawRecord(id) {
      const contact = state.find(id);
      return contact ? { root: contact } : undefined;
    },
    // A create answers 200 with the contact (an error is a 200 `{error}` too).
    deleteCreated(req, status, body) {
      if (nodepingAction(req) !== 'POST' || status !== 200) return null;
      const c = body as { _id?: unknown; customer_id?: unknown; error?: unknown } | null;
      if (!c || c.error !== undefined || typeof c._id !== 'string' || typeof c.customer_id !== 'string') return null;
      return state.remove(c._id, c.customer_id) ? c._id : null;
    },
  };
}
