import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { origin } from '../server/provider.ts';
import { ContactInputSchema, KINDS, PersonInputSchema, type RServiceContact, validateContact } from './schema.ts';
import type { RServiceState } from './state.ts';

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

type PersonParams = { Params: { id: string } };
type ContactParams = { Params: { id: string; contactId: string } };

const notFound = (reply: FastifyReply) => reply.code(404).send({ message: 'Not Found' });
const invalid = (reply: FastifyReply, errors: [string, string][]) =>
  reply.code(422).send({ message: 'Validation Failed', errors });
const intId = (raw: string) => (/^\d+$/.test(raw) ? Number(raw) : -1);

/** Slices a list and sets the Link (first/prev/next) and X-Pagination-* headers. */
export function paginate<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  total: number,
  slice: (offset: number, n: number) => T[],
): T[] {
  const q = req.query as Record<string, string | undefined>;
  const requested = Number.parseInt(q.per_page ?? '', 10);
  const perPage = requested > 0 ? Math.min(requested, MAX_PER_PAGE) : DEFAULT_PER_PAGE;
  const page = Math.max(1, Number.parseInt(q.page ?? '', 10) || 1);
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const link = (p: number) => {
    const url = new URL(req.url, origin(req));
    url.searchParams.set('page', String(p));
    url.searchParams.set('per_page', String(perPage));
    return url.toString();
  };
  const links = [`<${link(1)}>; rel="first"`];
  if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
  reply.header('Link', links.join(', '));
  reply.header('X-Pagination-Per-Page', String(perPage));
  reply.header('X-Pagination-Current-Page', String(page));
  reply.header('X-Pagination-Total-Pages', String(totalPages));
  reply.header('X-Pagination-Total-Entries', String(total));
  return slice((page - 1) * perPage, perPage);
}

/** List responses leave `integration` out ("these fields by default"); single ones include it. */
const listFields = ({ integration: _omit, ...rest }: RServiceContact) => rest;

export function registerRServiceRoutes(app: FastifyInstance, state: RServiceState): void {
  app.get('/people', async (req, reply) => paginate(req, reply, state.count(), (o, n) => state.page(o, n)));
  app.get('/people/enabled', async (req, reply) => {
    const enabled = state.enabled();
    return paginate(req, reply, enabled.length, (o, n) => enabled.slice(o, o + n));
  });
  app.get<PersonParams>('/people/:id', async (req, reply) => state.getPerson(intId(req.params.id)) ?? notFound(reply));
  app.post('/people', async (req, reply) => {
    const parsed = PersonInputSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return invalid(
        reply,
        parsed.error.issues.map((i) => [String(i.path[0] ?? 'base'), i.message]),
      );
    const b = parsed.data;
    const person = state.addPerson({
      sourceID: b.sourceID ?? null,
      name: b.name,
      primary_email: b.primary_email,
      job_title: b.job_title ?? null,
      organization: null,
      site: null,
      manager: null,
      disabled: b.disabled ?? false,
    });
    return reply.code(201).send(person);
  });

  app.get<PersonParams>('/people/:id/contacts', async (req, reply) => {
    const list = state.listContacts(intId(req.params.id));
    if (!list) return notFound(reply);
    return paginate(req, reply, list.length, (o, n) => list.slice(o, o + n).map(listFields));
  });
  app.get<ContactParams>('/people/:id/contacts/:contactId', async (req, reply) => {
    return state.getContact(intId(req.params.id), intId(req.params.contactId)) ?? notFound(reply);
  });

  app.post<PersonParams>('/people/:id/contacts', async (req, reply) => {
    const personId = intId(req.params.id);
    if (!state.listContacts(personId)) return notFound(reply);
    const parsed = ContactInputSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return invalid(
        reply,
        parsed.error.issues.map((i) => [String(i.path[0] ?? 'base'), i.message]),
      );
    const { id: _ignored, ...input } = parsed.data;
    const candidate = { label: input.label ?? '', integration: input.integration ?? false, ...kindsOf(input) };
    const errors = validateContact(candidate);
    if (errors.length) return invalid(reply, errors);
    return reply.code(201).send(state.addContact(personId, candidate));
  });

  const update = async (req: FastifyRequest<ContactParams>, reply: FastifyReply) => {
    const personId = intId(req.params.id);
    const existing = state.getContact(personId, intId(req.params.contactId));
    if (!existing) return notFound(reply);
    const parsed = ContactInputSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return invalid(
        reply,
        parsed.error.issues.map((i) => [String(i.path[0] ?? 'base'), i.message]),
      );
    const { id: _ignored, ...input } = parsed.data;
    const merged: Record<string, unknown> = { ...existing };
    for (const [k, v] of Object.entries(input)) if (v !== undefined) merged[k] = v;
    const errors = validateContact(merged as Omit<RServiceContact, 'id'>);
    if (errors.length) return invalid(reply, errors);
    return state.updateContact(personId, existing.id, input as Partial<RServiceContact>);
  };
  app.patch<ContactParams>('/people/:id/contacts/:contactId', update);
  app.put<ContactParams>('/people/:id/contacts/:contactId', update);

  app.delete<ContactParams>('/people/:id/contacts/:contactId', async (req, reply) => {
    if (!state.removeContact(intId(req.params.id), intId(req.params.contactId))) return notFound(reply);
    return reply.code(204).send();
  });
  app.delete<PersonParams>('/people/:id/contacts', async (req, reply) => {
    if (!state.removeAllContacts(intId(req.params.id))) return notFound(reply);
    return reply.code(204).send();
  });
}

function kindsOf(input: Partial<Record<(typeof KINDS)[number], string | null | undefined>>) {
  const out: Partial<Record<(typeof KINDS)[number], string>> = {};
  for (const k of KINDS) {
    const v = input[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}
