import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError, describeIssues, type ErrorCode } from './errors.ts';
import { textProblem } from './routes/params.ts';

type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/**
 * One admin route: its zod schemas are the single source for request validation,
 * response validation and the OpenAPI document.
 */
export interface RouteDef<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify syntax: `/api/v1/conflicts/:id`. */
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status (200 unless said). */
  status?: number;
  response: R;
  /** Error codes this route can answer with besides 400/401/500 (for the document). */
  errors?: ErrorCode[];
  handler(ctx: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    req: FastifyRequest;
    reply: FastifyReply;
  }): Promise<z.input<R>>;
}

export function defineRoute<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
  def: RouteDef<P, Q, B, R>,
): RouteDef {
  return def as unknown as RouteDef;
}

/**
 * The first string anywhere in a request part (a key or a value, however deep: an entered
 * conflict value) that holds control characters or a lone surrogate. Checked for every route,
 * so no text of that kind reaches Postgres, a provider or a terminal.
 */
function badText(value: unknown, path: string[] = []): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? { path: path.join('.'), message } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = badText(v, [...path, String(i)]);
      if (bad) return bad;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = badText(k, path) ?? badText(v, [...path, k]);
      if (bad) return bad;
    }
  }
  return null;
}

function parsePart<T extends z.ZodType>(where: string, schema: T | undefined, value: unknown): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const bad = badText(value, [where]);
  if (bad) {
    const message = `${bad.path}: ${bad.message}`;
    throw new ApiError('invalid', message, [{ path: bad.path, message: bad.message }]);
  }
  // No body at all is an empty one; a body of `null` (or any non-object) is refused by the schema.
  const out = schema.safeParse(value === undefined ? {} : value);
  if (!out.success) {
    const { message, details } = describeIssues(where, out.error);
    throw new ApiError('invalid', message, details);
  }
  return out.data;
}

export function registerRoutes(app: FastifyInstance, routes: RouteDef[]): void {
  for (const def of routes) {
    app.route({
      method: def.method,
      url: def.url,
      handler: async (req, reply) => {
        const params = parsePart('params', def.params, req.params);
        const query = parsePart('query', def.query, req.query);
        const body = parsePart('body', def.body, req.body);
        const result = await def.handler({ params, query, body, req, reply });
        const checked = def.response.safeParse(result);
        if (!checked.success) {
          // Our own answer does not match its schema: a bug, never sent half-valid.
          req.log.error({ issues: checked.error.issues, url: def.url }, 'response failed its schema');
          throw new ApiError('internal', 'response failed validation');
        }
        return reply.status(def.status ?? 200).send(checked.data);
      },
    });
  }
}
