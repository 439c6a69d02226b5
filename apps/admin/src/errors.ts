import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * The admin API's error catalog: every failure leaves as `{ error: { code, message, details? } }`
 * with one of these codes and its HTTP status. Unknown errors become `internal` at the edge.
 */
export const errorStatus = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof errorStatus;

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
}

/** `where: message` for each zod issue, so a 400 names the bad field. */
export function describeIssues(where: string, error: z.ZodError): { message: string; details: unknown } {
  const issues = error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  return { message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), details: issues };
}

/** Anything thrown with a `code` the operations layer uses (AdminOpError) maps onto the catalog. */
function fromOpError(err: unknown): ApiError | null {
  if (!(err instanceof Error) || err.name !== 'AdminOpError') return null;
  const code = (err as Error & { code?: string }).code;
  if (code === 'not_found' || code === 'invalid' || code === 'conflict') return new ApiError(code, err.message);
  return null;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const op = fromOpError(err);
  if (op) return op;
  const fe = err as Partial<FastifyError>;
  // Fastify's own rejections (malformed JSON, body too large, bad content type).
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 404 ? 'not_found' : fe.statusCode === 401 ? 'unauthorized' : 'invalid';
    return new ApiError(code, fe.message ?? 'bad request');
  }
  return new ApiError('internal', 'internal error');
}

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return reply.status(errorStatus[err.code]).type('application/json').send(body);
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const api = toApiError(err);
  if (api.code === 'internal') req.log.error({ err }, 'request failed');
  else req.log.info({ code: api.code, message: api.message }, 'request rejected');
  return sendError(reply, api);
}
