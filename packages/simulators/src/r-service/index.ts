import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, type ProviderContext, type ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { paginate, registerRServiceRoutes } from './routes.ts';
import { seedRService } from './seed.ts';
import { RServiceState } from './state.ts';

/** 4me calls it X-4me-Account, Xurrent X-Xurrent-Account; R-Service's own name is unconfirmed, so both work. */
const ACCOUNT_HEADERS = ['x-4me-account', 'x-xurrent-account'];

const send = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ message });

function accountOf(req: FastifyRequest): string | undefined {
  for (const h of ACCOUNT_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

const PREFIX = '/r-service/v1';
const PEOPLE_LISTS = [`${PREFIX}/people`, `${PREFIX}/people/enabled`];

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
    prefix: PREFIX,
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
    // A listing walks the people from page 1 (with the Link and X-Pagination-* headers of 0 entries).
    emptyList(req, reply) {
      if (req.method !== 'GET' || !PEOPLE_LISTS.includes(req.routeOptions.url ?? '')) return undefined;
      const page = Number.parseInt((req.query as Record<string, string | undefined>).page ?? '', 10) || 1;
      return page <= 1 ? paginate(req, reply, 0, () => []) : undefined;
    },
    // The person, with its contact details as `contacts.N`.
    rawRecord(id) {
      const person = /^\d+$/.test(id) ? state.getPerson(Number(id)) : undefined;
      const contacts = person && state.listContacts(person.id);
      return person && contacts ? { root: person, lists: { contacts } } : undefined;
    },
  };
}
