import type { FastifyReply } from 'fastify';
import { bearerToken, type ProviderContext, type ProviderDefinition } from '../server/provider.ts';
import { deriveSeed, Rng } from '../shared/prng.ts';
import { listBody, registerGrowcrmRoutes } from './routes.ts';
import { ListQuerySchema } from './schema.ts';
import { seedGrowcrm } from './seed.ts';
import { GrowError, GrowState } from './state.ts';

const send = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ message });

const PREFIX = '/growcrm/api';

export function createGrowcrm(ctx: ProviderContext): ProviderDefinition<GrowState> {
  const rng = new Rng(deriveSeed(ctx.seed, 'growcrm'));
  const state = new GrowState();
  seedGrowcrm(state, ctx.people, rng);
  const credential = `grow_${new Rng(deriveSeed(ctx.seed, 'growcrm-key')).chars(40, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  return {
    key: 'growcrm',
    prefix: PREFIX,
    credential,
    options: { clientId: 1, clients: [...state.clients.values()] },
    api: state,
    snapshot: () => state.snapshot(),
    register(scope) {
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        if (err instanceof GrowError) {
          return reply
            .code(err.status)
            .send(err.errors ? { message: err.message, errors: err.errors } : { message: err.message });
        }
        const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
        return send(reply, status, status === 500 ? 'Server Error' : err.message);
      });
      registerGrowcrmRoutes(scope, state);
    },
    authenticate: (req) => (bearerToken(req) === credential ? credential : null),
    rejectAuth: (_req, reply) => send(reply, 401, 'Unauthorized. A valid API key is required.'),
    sendError: (reply, status, message) => send(reply, status, message),
    // A listing: page 1 of GET /contacts without `search` (a search is a lookup, not a listing).
    emptyList(req) {
      if (req.method !== 'GET' || req.routeOptions.url !== `${PREFIX}/contacts`) return undefined;
      const q = ListQuerySchema.safeParse(req.query);
      if (!q.success || (q.data.page ?? 1) !== 1 || q.data.search) return undefined;
      return listBody(q.data, []);
    },
    rawRecord(id) {
      const contact = /^\d+$/.test(id) ? state.get(Number(id)) : undefined;
      if (!contact) return undefined;
      return { root: contact, edit: (change) => state.rawEdit(contact.id, change) };
    },
    // Sorted by `created` (what the connector asks for): an insert sorts first when it was created
    // earlier than every other (an import keeping its original date), a delete of the oldest shifts left.
    shiftList(req, change) {
      if (req.method !== 'GET' || req.routeOptions.url !== `${PREFIX}/contacts`) return null;
      const q = ListQuerySchema.safeParse(req.query);
      if (!q.success || q.data.search) return null;
      const first = state.view({ ...q.data, sort: 'created', order: 'asc' })[0];
      if (change === 'delete') return first && state.softDelete(first.id) ? String(first.id) : null;
      const n = state.count();
      const c = state.insert({
        first_name: 'Shifted',
        last_name: `Insert${n}`,
        email: `shifted.insert${n}@example.org`,
        clientId: null,
        created: (first ? Date.parse(first.dates.created) : Date.now()) - 1000,
      });
      return String(c.id);
    },
    deleteCreated(req, status, body) {
      if (req.method !== 'POST' || req.routeOptions.url !== `${PREFIX}/contacts` || status !== 201) return null;
      const id = (body as { data?: { id?: unknown } } | null)?.data?.id;
      return typeof id === 'number' && state.softDelete(id) ? String(id) : null;
    },
  };
}
