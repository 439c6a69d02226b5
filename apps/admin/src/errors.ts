import { STATUS_CODES } from 'node:http';
import { ADMIN_ERRORS, AdminOpError } from '@contact-sync/admin-ops';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * The admin API's error catalog: every failure leaves as `{ error: { code, message, details? } }`
 * with one of these codes and its HTTP status. Unknown errors become `internal` at the edge.
 */
export const errorStatus = {
  invalid: ADMIN_ERRORS.invalid.http,
  unauthorized: 401,
  not_found: ADMIN_ERRORS.not_found.http,
  conflict: ADMIN_ERRORS.conflict.http,
  too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
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

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // The operations layer's refusals carry a code of ADMIN_ERRORS, each also a code of this catalog.
  if (err instanceof AdminOpError) return new ApiError(err.code, err.message);
  const fe = err as Partial<FastifyError>;
  // Fastify's own rejections (malformed JSON or URL, body too large, bad content type), each
  // with its own status when the catalog has it.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError(codeOfStatus(fe.statusCode), fe.message ?? 'bad request');
  }
  return new ApiError('internal', 'internal error');
}

/** The catalog code of a 4xx status; 400 `invalid` for one the catalog does not list. */
function codeOfStatus(status: number): ErrorCode {
  const found = (Object.entries(errorStatus) as [ErrorCode, number][]).find(([, s]) => s === status);
  return found && status !== 500 ? found[0] : 'invalid';
}

/**
 * The error body of a request Node's HTTP parser refused before fastify saw it (headers or URL
 * over 16 KB, a malformed request): written on the socket, in the catalog's shape.
 */
export function clientErrorResponse(err: { code?: string }): string {
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'request headers (or the URL) too large']
      : err.code === 'HPE_URI_TOO_LONG'
        ? [414, 'uri_too_long', 'URL too long']
        : [400, 'invalid', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
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
