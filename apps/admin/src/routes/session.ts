import { clearSessionCookie, sessionCookie } from '../auth.ts';
import { defineRoute } from '../route.ts';
import { OkView } from './params.ts';

/**
 * The browser cannot send a bearer header when it opens the queue dashboard, so the
 * review page trades its bearer token for an HttpOnly, SameSite=Strict cookie that only
 * the dashboard accepts (the API itself always wants the header).
 */
export const sessionRoutes = (token: string) => [
  defineRoute({
    method: 'POST',
    url: '/api/v1/session',
    tag: 'session',
    summary: 'Set the session cookie that opens the queue dashboard (/queues) in a browser',
    response: OkView,
    handler: async ({ reply }) => {
      reply.header('set-cookie', sessionCookie(token));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/v1/session',
    tag: 'session',
    summary: 'Clear the session cookie',
    response: OkView,
    handler: async ({ reply }) => {
      reply.header('set-cookie', clearSessionCookie);
      return { ok: true as const };
    },
  }),
];
