import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Marks a body that was sent as JSON but could not be parsed. */
export const INVALID_JSON = Symbol('invalid-json');

const cache = new WeakMap<FastifyRequest, Record<string, unknown>>();

function tryJson(text: string): unknown {
  const t = text.trim();
  if (t === '') return {};
  try {
    return JSON.parse(t);
  } catch {
    return INVALID_JSON;
  }
}

/**
 * NodePing takes parameters from the query string, from form fields, from a form field
 * named `json` holding an object, or from a raw JSON body; JSON values override the query.
 */
export function registerParamParsers(scope: FastifyInstance): void {
  scope.removeContentTypeParser(['application/json', 'text/plain']);
  scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, { raw: tryJson(String(body)) });
  });
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const fields = Object.fromEntries(new URLSearchParams(String(body)));
    const { json, ...rest } = fields;
    done(null, { form: rest, raw: json === undefined ? {} : tryJson(json) });
  });
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    done(null, { raw: tryJson(String(body)) });
  });
}

/** Merged parameters, or INVALID_JSON when a JSON body/field was not an object. */
export function nodepingParams(req: FastifyRequest): Record<string, unknown> | typeof INVALID_JSON {
  const cached = cache.get(req);
  if (cached) return cached;
  const body = (req.body ?? {}) as { form?: Record<string, string>; raw?: unknown };
  const raw = body.raw ?? {};
  if (raw === INVALID_JSON || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return INVALID_JSON;
  const params = { ...(req.query as Record<string, unknown>), ...body.form, ...(raw as Record<string, unknown>) };
  cache.set(req, params);
  return params;
}

/** Token from the `token` parameter or the HTTP Basic username. */
export function nodepingToken(req: FastifyRequest): string | null {
  const params = nodepingParams(req);
  if (params !== INVALID_JSON && typeof params.token === 'string') return params.token;
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    return decoded.split(':')[0] || null;
  }
  return null;
}

/** `?action=` stands in for the HTTP method; other actions (RESETPASSWORD) are returned as is. */
export function nodepingAction(req: FastifyRequest): string {
  const params = nodepingParams(req);
  const action = params === INVALID_JSON ? undefined : params.action;
  if (typeof action === 'string' && action !== '') return action.toUpperCase();
  return req.method.toUpperCase();
}
