import type { FastifyInstance } from 'fastify';
import {
  CreateSchema,
  type GrowContact,
  type ListQuery,
  ListQuerySchema,
  laravelErrors,
  UpdateSchema,
  validationBody,
} from './schema.ts';
import { GrowError, type GrowState } from './state.ts';

const DEFAULT_LIMIT = 15;

type IdParams = { Params: { id: string } };

function contactId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new GrowError(404, 'Contact not found.');
  return Number(raw);
}

const duplicateEmail = () => {
  const body = validationBody({ email: ['The email has already been taken.'] });
  return new GrowError(422, body.message, body.errors);
};

/** The list envelope for one page of `rows` (all the rows the query selects). */
export function listBody(q: ListQuery, rows: GrowContact[]) {
  const perPage = q.limit ?? DEFAULT_LIMIT;
  const page = q.page ?? 1;
  const total = rows.length;
  const start = (page - 1) * perPage;
  const data = rows.slice(start, start + perPage);
  return {
    data,
    meta: {
      current_page: page,
      last_page: Math.max(1, Math.ceil(total / perPage)),
      per_page: perPage,
      total,
      from: data.length ? start + 1 : null,
      to: data.length ? start + data.length : null,
    },
    message: 'Contacts retrieved successfully.',
  };
}

export function registerGrowcrmRoutes(app: FastifyInstance, state: GrowState): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.get('/contacts', async (req, reply) => {
    const parsed = ListQuerySchema.safeParse(req.query);
    if (!parsed.success) return reply.code(422).send(laravelErrors(parsed.error));
    return listBody(parsed.data, state.view(parsed.data));
  });

  app.get<IdParams>('/contacts/:id', async (req) => {
    const contact = state.get(contactId(req.params.id));
    if (!contact) throw new GrowError(404, 'Contact not found.');
    return { data: contact, message: 'Contact retrieved successfully.' };
  });

  app.post('/contacts', async (req, reply) => {
    const parsed = CreateSchema.safeParse(req.body ?? {});
    const errors = parsed.success ? {} : laravelErrors(parsed.error).errors;
    const raw = (req.body ?? {}) as Record<string, unknown>;
    // Laravel runs every rule: add the database rules to whatever the shape rules found.
    if (typeof raw.email === 'string' && !errors.email && state.emailTaken(raw.email.trim())) {
      errors.email = ['The email has already been taken.'];
    }
    if (parsed.success && !state.clients.has(parsed.data.clientid))
      errors.clientid = ['The selected clientid is invalid.'];
    if (!parsed.success || Object.keys(errors).length > 0) return reply.code(422).send(validationBody(errors));
    const b = parsed.data;
    const contact = state.insert({
      first_name: b.first_name,
      last_name: b.last_name,
      email: b.email,
      phone: b.phone ?? null,
      job_position: b.position ?? null,
      clientId: b.clientid,
    });
    return reply.code(201).send({ data: contact, message: 'Contact created successfully.' });
  });

  app.put<IdParams>('/contacts/:id', async (req, reply) => {
    const id = contactId(req.params.id);
    if (!state.get(id)) throw new GrowError(404, 'Contact not found.');
    const parsed = UpdateSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(422).send(laravelErrors(parsed.error));
    const b = parsed.data;
    if (state.emailTaken(b.email, id)) throw duplicateEmail();
    const contact = state.update(id, {
      first_name: b.first_name,
      last_name: b.last_name,
      email: b.email,
      ...(b.phone !== undefined ? { phone: b.phone } : {}),
      ...(b.position !== undefined ? { job_position: b.position } : {}),
    });
    return { data: contact, message: 'Contact updated successfully.' };
  });

  app.delete<IdParams>('/contacts/:id', async (req) => {
    if (!state.softDelete(contactId(req.params.id))) throw new GrowError(404, 'Contact not found.');
    return { data: null, message: 'Contact deleted successfully.' };
  });

  app.put<IdParams>('/contacts/:id/account-owner', async (req) => {
    const contact = state.setAccountOwner(contactId(req.params.id));
    return { data: contact, message: 'Contact set as account owner successfully.' };
  });
}
