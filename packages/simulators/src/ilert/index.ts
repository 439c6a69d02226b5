import type { FastifyReply } from 'fastify';
import { bearerToken, type ProviderContext, type ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { registerIlertRoutes } from './routes.ts';
import { seedIlert } from './seed.ts';
import { IlertError, IlertState } from './state.ts';

const CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

const send = (reply: FastifyReply, status: number, message: string, code = CODES[status] ?? 'ERROR') =>
  reply.code(status).send({ status, message, code });

const PREFIX = '/ilert/api';

export function createIlert(ctx: ProviderContext): ProviderDefinition<IlertState> {
  const state = new IlertState();
  seedIlert(state, ctx.people, ctx.seed);
  const credential = `il1api${new Rng(deriveSeed(ctx.seed, 'ilert-key')).chars(32, 'abcdef0123456789')}`;
  return {
    key: 'ilert',
    prefix: PREFIX,
    credential,
    options: { currentUserId: state.currentUserId },
    api: state,
    snapshot: () => state.snapshot(),
    register(scope) {
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        if (err instanceof IlertError) return send(reply, err.status, err.message, err.code);
        const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
        return send(reply, status, status === 500 ? 'Internal Server Error' : err.message);
      });
      registerIlertRoutes(scope, state);
    },
    authenticate: (req) => (bearerToken(req) === credential ? credential : null),
    rejectAuth: (_req, reply) =>
      send(reply, 401, 'Unauthorized: a valid API key is required (Authorization: Bearer <key>)'),
    sendError: (reply, status, message) => send(reply, status, message),
    // A listing walks the users from start-index 0; each user's contact lists hang off it.
    emptyList(req) {
      if (req.method !== 'GET' || req.routeOptions.url !== `${PREFIX}/users`) return undefined;
      const start = Number.parseInt((req.query as Record<string, string | undefined>)['start-index'] ?? '0', 10) || 0;
      return start <= 0 ? [] : undefined;
    },
    // The user, with its e-mails and phone numbers as `emails.N` and `phoneNumbers.N`.
    rawRecord(id) {
      const user = /^\d+$/.test(id) ? state.findUser(Number(id)) : undefined;
      if (!user) return undefined;
      return { root: user, lists: { emails: state.listEmails(user.id), phoneNumbers: state.listPhones(user.id) } };
    },
  };
}
