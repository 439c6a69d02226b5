import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { zodMessage } from '../shared/zod-message.ts';
import { EmailPostSchema, EmailPutSchema, PhonePostSchema, PhonePutSchema, UserWriteSchema } from './schema.ts';
import { IlertError, type IlertState } from './state.ts';

type P = { Params: { userId: string; id: string } };

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new IlertError(400, 'BAD_REQUEST', zodMessage(r.error));
  return r.data;
}

function numericId(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw new IlertError(404, 'NOT_FOUND', `${what} not found`);
  return Number(raw);
}

const DEFAULT_MAX_RESULTS = 50;
const MAX_RESULTS = 100;

export function registerIlertRoutes(app: FastifyInstance, state: IlertState): void {
  app.get<{ Querystring: Record<string, string> }>('/users', async (req) => {
    const start = Math.max(0, Number.parseInt(req.query['start-index'] ?? '0', 10) || 0);
    const requested = Number.parseInt(req.query['max-results'] ?? '', 10);
    const max = Math.min(MAX_RESULTS, requested > 0 ? requested : DEFAULT_MAX_RESULTS);
    return state.listUsers(start, max);
  });
  app.post('/users', async (req, reply) => {
    const body = parse(UserWriteSchema, req.body);
    const user = state.addUser({
      firstName: body.firstName,
      lastName: body.lastName,
      email: body.email,
      timezone: body.timezone ?? 'UTC',
      position: body.position ?? null,
      department: body.department ?? null,
      avatarUrl: null,
      role: body.role ?? 'USER',
    });
    return reply.code(201).send(user);
  });
  app.get('/users/current', async () => {
    if (state.currentUserId === null) throw new IlertError(404, 'NOT_FOUND', 'User not found');
    return state.getUser(state.currentUserId);
  });
  app.get<P>('/users/:userId', async (req) => state.getUser(numericId(req.params.userId, 'User')));
  app.put<P>('/users/:userId', async (req) => {
    const id = numericId(req.params.userId, 'User');
    state.getUser(id);
    const { mobile, landline, id: _ignored, ...fields } = parse(UserWriteSchema, req.body);
    if (mobile !== undefined || landline !== undefined) state.resetContacts(id);
    return state.updateUser(id, fields);
  });
  app.delete<P>('/users/:userId', async (req, reply) => {
    state.deleteUser(numericId(req.params.userId, 'User'));
    return reply.code(204).send();
  });

  const base = '/users/:userId/contacts';
  app.get<P>(`${base}/emails`, async (req) => state.listEmails(numericId(req.params.userId, 'User')));
  app.post<P>(`${base}/emails`, async (req, reply) => {
    const userId = numericId(req.params.userId, 'User');
    state.getUser(userId);
    const body = parse(EmailPostSchema, req.body);
    return reply.code(201).send(state.addEmail(userId, body.target));
  });
  app.get<P>(`${base}/emails/:id`, async (req) =>
    state.getEmail(numericId(req.params.userId, 'User'), numericId(req.params.id, 'Email')),
  );
  app.put<P>(`${base}/emails/:id`, async (req) => {
    const userId = numericId(req.params.userId, 'User');
    const id = numericId(req.params.id, 'Email');
    state.getEmail(userId, id);
    const body = parse(EmailPutSchema, req.body);
    return state.updateEmail(userId, id, body.target === undefined ? {} : { target: body.target });
  });
  app.delete<P>(`${base}/emails/:id`, async (req, reply) => {
    state.deleteEmail(numericId(req.params.userId, 'User'), numericId(req.params.id, 'Email'));
    return reply.code(204).send();
  });

  app.get<P>(`${base}/phone-numbers`, async (req) => state.listPhones(numericId(req.params.userId, 'User')));
  app.post<P>(`${base}/phone-numbers`, async (req, reply) => {
    const userId = numericId(req.params.userId, 'User');
    state.getUser(userId);
    const { regionCode, target, primary } = parse(PhonePostSchema, req.body);
    return reply.code(201).send(state.addPhone(userId, { regionCode, target, primary: primary ?? false }));
  });
  app.get<P>(`${base}/phone-numbers/:id`, async (req) =>
    state.getPhone(numericId(req.params.userId, 'User'), numericId(req.params.id, 'Phone number')),
  );
  app.put<P>(`${base}/phone-numbers/:id`, async (req) => {
    const userId = numericId(req.params.userId, 'User');
    const id = numericId(req.params.id, 'Phone number');
    state.getPhone(userId, id);
    const { regionCode, target, primary } = parse(PhonePutSchema, req.body);
    const patch: { regionCode?: string; target?: string; primary?: boolean } = {};
    if (regionCode !== undefined) patch.regionCode = regionCode;
    if (target !== undefined) patch.target = target;
    if (primary !== undefined) patch.primary = primary;
    return state.updatePhone(userId, id, patch);
  });
  app.delete<P>(`${base}/phone-numbers/:id`, async (req, reply) => {
    state.deletePhone(numericId(req.params.userId, 'User'), numericId(req.params.id, 'Phone number'));
    return reply.code(204).send();
  });
}
