import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, sendError } from './errors.ts';
import type { SessionStore } from './sessions.ts';

/** The cookie that lets a browser open the queue dashboard (it cannot send a bearer header there). */
export const SESSION_COOKIE = 'cs_admin_session';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time token check. Both sides are hashed first so the comparison always runs
 * over 32 bytes: neither the content nor the length of the token leaks through timing.
 */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/**
 * The digest the cookie used to carry (a fixed function of the token, so it never expired and
 * survived a logout — issue 17). Kept only so tests can show it is refused now.
 */
export function sessionValue(token: string): string {
  return createHash('sha256').update(`contact-sync-admin-session:${token}`, 'utf8').digest('hex');
}

/** The cookie of a server-side session (a random id, see `sessions.ts`); expires with it. */
export function sessionCookie(id: string, ttlMs: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(1, Math.floor(ttlMs / 1000))}`;
}
export const clearSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export interface AuthOptions {
  token: string;
  sessions: SessionStore;
  /** Paths anyone may read (health checks and the static review page, which holds no data). */
  isPublic(url: string): boolean;
  /** Paths where the session cookie is accepted as well as the header (the queue dashboard). */
  acceptsCookie(url: string): boolean;
}

/** An onRequest hook: 401 on a missing or wrong credential, logged without it. */
export function authHook(opts: AuthOptions) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (opts.isPublic(path)) return;
    const bearer = bearerOf(req.headers.authorization);
    if (bearer !== undefined) {
      if (tokenMatches(bearer, opts.token)) return;
      req.log.warn({ method: req.method, path, reason: 'wrong token' }, 'unauthorized');
      return sendError(reply.header('www-authenticate', 'Bearer'), new ApiError('unauthorized', 'wrong token'));
    }
    const cookie = opts.acceptsCookie(path) ? cookieOf(req.headers.cookie, SESSION_COOKIE) : undefined;
    if (cookie !== undefined) {
      if (await opts.sessions.valid(cookie)) return;
      req.log.warn({ method: req.method, path, reason: 'wrong session cookie' }, 'unauthorized');
      return sendError(reply, new ApiError('unauthorized', 'wrong or expired session; open /ui/ with the token again'));
    }
    const reason = req.headers.authorization ? 'malformed authorization header' : 'missing token';
    req.log.warn({ method: req.method, path, reason }, 'unauthorized');
    return sendError(
      reply.header('www-authenticate', 'Bearer'),
      new ApiError('unauthorized', `${reason}: send "Authorization: Bearer <token>"`),
    );
  };
}
