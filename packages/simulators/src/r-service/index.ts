import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, type ProviderContext, type ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { registerRServiceRoutes } from './routes.ts';
import { seedRService } from './seed.ts';
import { RServiceState } from './state.ts';

/** 4me calls it X-4me-Account, Xurrent X-Xurrent-Account; R-Service's own name is unconfirmed, so both work. */
export const ACCOUNT_HEADERS = ['x-4me-account', 'x-xurrent-account'];

const send = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ message });

function accountOf(req: FastifyRequest): string | undefined {
  for (const h of ACCOUNT_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export function createRService(ctx: ProviderContext): ProviderDefinition<RServiceState> {
  const rng = new Rng(deriveSeed(ctx.seed, 'r-service'));
  const state = new RServiceState();
  seedRService(state, ctx.people, rng);
  const credential = new Rng(deriveSeed(ctx.seed, 'r-service-key')).chars(
    48,
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  );
  const account = 'northwind-it';
  return {
    key: 'r-service',
    prefix: '/r-service/v1',
    credential,
    options: { account, accountHeader: 'X-4me-Account' },
    api: state,
    snapshot: () => state.snapshot(),
    register(scope) {
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
        return send(reply, status, status === 500 ? 'Internal Server Error' : err.message);
      });
      // ETag on every successful GET; a matching If-None-Match gets 304 and no body.
      scope.addHook('onSend', async (req, reply, payload) => {
        if (req.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
        const etag = `W/"${createHash('sha1').update(payload).digest('hex')}"`;
        reply.header('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          reply.code(304);
          return '';
        }
        return payload;
      });
      registerRServiceRoutes(scope, state);
    },
    authenticate: (req) => (bearerToken(req) === credential && accountOf(req) === account ? credential : null),
    rejectAuth(req, reply) {
      if (bearerToken(req) !== credential) return send(reply, 401, 'Unauthorized');
      return send(reply, 401, `Unknown or missing account: send the account id in the X-4me-Account header`);
    },
    sendError: (reply, status, message) => send(reply, status, message),
    decorate(_req, reply, rate) {
      reply.header('X-RateLimit-Limit', String(rate.limit));
      reply.header('X-RateLimit-Remaining', String(rate.remaining));
      reply.header('X-RateLimit-Reset', String(Math.ceil(rate.resetAt / 1000)));
    },
  };
}
