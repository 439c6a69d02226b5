import type { FastifyReply } from 'fastify';
import type { ProviderContext, ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { nodepingAction, nodepingToken } from './params.ts';
import { registerNodepingRoutes } from './routes.ts';
import { seedNodeping } from './seed.ts';
import { NodepingState } from './state.ts';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

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
    prefix: '/nodeping/api/1',
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
  };
}
