import type { FastifyReply } from 'fastify';
import { bearerToken, type ProviderContext, type ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { listOffset, PATH, registerChurchpadRoutes } from './routes.ts';
import { seedChurchpad } from './seed.ts';
import { ChurchpadState } from './state.ts';
import { ChurchpadTokens } from './tokens.ts';

const send = (reply: FastifyReply, status: number, detail: string) => reply.code(status).send({ detail });

const PREFIX = '/churchpad';

export function createChurchpad(ctx: ProviderContext): ProviderDefinition<ChurchpadState> {
  const rng = new Rng(deriveSeed(ctx.seed, 'churchpad'));
  const state = new ChurchpadState(rng);
  seedChurchpad(state, ctx.people, rng);
  // JWT access tokens (simplejwt style) that expire; the sandbox's own lives `tokenTtlMs` if set.
  state.tokens = new ChurchpadTokens(new Rng(deriveSeed(ctx.seed, 'churchpad-key')), ctx.timeScale ?? 1);
  const credential = state.tokens.issue(ctx.tokenTtlMs);

  return {
    key: 'churchpad',
    prefix: PREFIX,
    credential,
    options: {},
    api: state,
    snapshot: () => state.snapshot(),
    register(scope) {
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
        if (status === 400) return send(reply, 400, `JSON parse error - ${err.message}`);
        return send(reply, status, status === 500 ? 'A server error occurred.' : err.message);
      });
      registerChurchpadRoutes(scope, state);
    },
    authenticate: (req) => {
      const token = bearerToken(req);
      return token !== null && state.tokens.valid(token) ? token : null;
    },
    rejectAuth(req, reply) {
      reply.header('WWW-Authenticate', 'Bearer realm="api"');
      if (!req.headers.authorization) return send(reply, 401, 'Authentication credentials were not provided.');
      return reply.code(401).send({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
      });
    },
    sendError: (reply, status, message) => send(reply, status, message),
    // A listing starts at offset 0; DRF's empty page has no next and no previous link.
    emptyList(req) {
      if (req.method !== 'GET' || req.routeOptions.url !== `${PREFIX}${PATH}`) return undefined;
      if (listOffset(req.query as Record<string, string | undefined>) !== 0) return undefined;
      return { count: 0, next: null, previous: null, results: [] };
    },
    rawRecord(id) {
      const contact = state.get(id);
      return contact ? { root: contact } : undefined;
    },
    shiftList(req, change) {
      if (req.method !== 'GET' || req.routeOptions.url !== `${PREFIX}${PATH}`) return null;
      if (change === 'delete') {
        const first = state.page(0, 1)[0];
        return first && state.remove(first.id) ? first.id : null;
      }
      const n = state.count();
      const c = state.insert({
        first_name: 'Shifted',
        last_name: `Insert${n}`,
        phone: `+4940${String(5_000_000 + n).padStart(7, '0')}`,
        email: `shifted.insert${n}@example.org`,
      });
      state.moveFirst(c.id);
      return c.id;
    },
    deleteCreated(req, status, body) {
      if (req.method !== 'POST' || req.routeOptions.url !== `${PREFIX}${PATH}` || status !== 201) return null;
      const id = (body as { id?: unknown } | null)?.id;
      return typeof id === 'string' && state.remove(id) ? id : null;
    },
  };
}
