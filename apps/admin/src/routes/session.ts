import { clearSessionCookie, cookieOf, SESSION_COOKIE, sessionCookie } from '../auth.ts';
import { defineRoute } from '../route.ts';
import type { SessionStore } from '../sessions.ts';
import { OkView } from './params.ts';

/**
 * The browser cannot send a bearer header when it opens the queue dashboard, so the
 * review page trades its bearer token for an HttpOnly, SameSite=Strict cookie that only
 * the dashboard accepts (the API itself always wants the header). The cookie holds a random
 * session id stored server-side with a TTL; DELETE revokes it.
 */
export const sessionRoutes = (sessions: SessionStore) => [
  defineRoute({
    method: 'POST',
    url: '/api/v1/session',
    tag: 'session',
    summary:
      'Start a session: its cookie opens the queue dashboard (/queues) in a browser until it expires or is revoked',
    response: OkView,
    handler: async ({ reply }) => {
      reply.header('set-cookie', sessionCookie(await sessions.create(), sessions.ttlMs));
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/v1/session',
    tag: 'session',
    summary: 'End the session of the cookie sent with the request (revoked server-side) and clear the cookie',
    response: OkView,
    handler: async ({ req, reply }) => {
      const id = cookieOf(req.headers.cookie, SESSION_COOKIE);
      if (id) await sessions.revoke(id);
      reply.header('set-cookie', clearSessionCookie);
      return { ok: true as const };
    },
  }),
];
