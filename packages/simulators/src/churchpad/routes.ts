import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { origin } from '../server/provider.ts';
import { ContactPatchSchema, ContactWriteSchema, drfErrors } from './schema.ts';
import type { ChurchpadState } from './state.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
export const PATH = '/api/unified-communications/contacts';

type IdParams = { Params: { id: string } };

/** DRF LimitOffsetPagination links: same URL with limit/offset replaced; `previous` drops offset at 0. */
function pageLink(req: FastifyRequest, limit: number, offset: number | null): string {
  const url = new URL(req.url, origin(req));
  url.searchParams.set('limit', String(limit));
  if (offset === null || offset <= 0) url.searchParams.delete('offset');
  else url.searchParams.set('offset', String(offset));
  return url.toString();
}

/** The list's `offset`: a bad or negative one falls back to 0. */
export function listOffset(query: Record<string, string | undefined>): number {
  return Math.max(Number.parseInt(query.offset ?? '', 10), 0) || 0;
}

function parseBody<S extends typeof ContactWriteSchema | typeof ContactPatchSchema>(
  body: unknown,
  schema: S,
  reply: FastifyReply,
): z.infer<S> | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = Array.isArray(body) ? 'list' : typeof body;
    reply.code(400).send({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] });
    return null;
  }
  const r = schema.safeParse(body);
  if (!r.success) {
    reply.code(400).send(drfErrors(r.error));
    return null;
  }
  return r.data as z.infer<S>;
}

export function registerChurchpadRoutes(app: FastifyInstance, state: ChurchpadState): void {
  app.get<{ Querystring: Record<string, string> }>(PATH, async (req) => {
    const rawLimit = Number.parseInt(req.query.limit ?? '', 10);
    const limit = rawLimit > 0 ? Math.min(rawLimit, MAX_LIMIT) : DEFAULT_LIMIT;
    const offset = listOffset(req.query);
    const count = state.count();
    return {
      count,
      next: offset + limit < count ? pageLink(req, limit, offset + limit) : null,
      previous: offset > 0 ? pageLink(req, limit, offset - limit) : null,
      results: state.page(offset, limit),
    };
  });

  app.post(PATH, async (req, reply) => {
    const data = parseBody(req.body, ContactWriteSchema, reply);
    if (!data) return reply;
    const now = new Date().toISOString();
    return reply.code(201).send(state.insert({ ...data, created_at: now, updated_at: now }));
  });

  app.get<IdParams>(`${PATH}/:id`, async (req, reply) => {
    return state.get(req.params.id) ?? reply.code(404).send({ detail: 'Not found.' });
  });

  const update = (partial: boolean) => async (req: FastifyRequest<IdParams>, reply: FastifyReply) => {
    if (!state.get(req.params.id)) return reply.code(404).send({ detail: 'Not found.' });
    const data = parseBody(req.body, partial ? ContactPatchSchema : ContactWriteSchema, reply);
    if (!data) return reply;
    return state.update(req.params.id, data);
  };
  app.put<IdParams>(`${PATH}/:id`, update(false));
  app.patch<IdParams>(`${PATH}/:id`, update(true));

  app.delete<IdParams>(`${PATH}/:id`, async (req, reply) => {
    if (!state.remove(req.params.id)) return reply.code(404).send({ detail: 'Not found.' });
    return reply.code(204).send();
  });
}
