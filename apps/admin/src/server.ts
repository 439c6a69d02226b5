import { createLogger, type Logger, type Resources } from '@contact-sync/engine';
import Fastify, { type FastifyInstance } from 'fastify';
import { authHook } from './auth.ts';
import { ApiError, clientErrorResponse, errorHandler, sendError } from './errors.ts';
import { readiness } from './health.ts';
import { createMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { mountQueueDashboard, QUEUES_PATH } from './queues-dashboard.ts';
import { registerRoutes } from './route.ts';
import { apiRoutes } from './routes/index.ts';
import { redisSessions } from './sessions.ts';
import { mountUi } from './ui-assets.ts';

interface AdminAppOptions {
  res: Resources;
  /** The bearer token every non-health request must carry (from the environment). */
  token: string;
  logger?: Logger;
  /** How long a queue-dashboard session lives (default 12 h). */
  sessionTtlMs?: number;
}

const MIN_TOKEN_LENGTH = 16;
const PUBLIC = new Set(['/healthz', '/readyz', '/ui', '/ui/']);
/** What the admin server must never log, on top of the worker's list. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

/**
 * What a request line logs: method and path, never the query string, where a caller may
 * have pasted a token (`?token=…`) or other secrets.
 */
const logRequest = (req: { method?: string; url?: string; ip?: string }) => ({
  method: req.method,
  path: req.url?.split('?')[0],
  ...(req.url?.includes('?') ? { query: '[omitted]' } : {}),
  remoteAddress: req.ip,
});

/** The admin server (HTTP API, review page, queue dashboard, health, metrics), not listening. */
function buildAdminApp(opts: AdminAppOptions): FastifyInstance {
  if (typeof opts.token !== 'string' || opts.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`admin token: must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const base = opts.logger ?? opts.res.logger ?? createLogger();
  const logger = base.child(
    { component: 'admin' },
    { redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req: logRequest } },
  );
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    // Fastify's own answers (a bad URL encoding, a request the HTTP parser refused) in the
    // catalog's shape too: every error leaves as `{ error: { code, message } }`.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
    clientErrorHandler: (err, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(err as { code?: string }));
      else socket.destroy(err);
    },
  }) as unknown as FastifyInstance;
  const { res, token } = opts;
  const sessions = redisSessions(res, opts.sessionTtlMs);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new ApiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );
  app.addHook(
    'onRequest',
    authHook({
      token,
      sessions,
      isPublic: (path) => PUBLIC.has(path) || (path.startsWith('/ui/') && !path.slice(4).includes('/')),
      acceptsCookie: (path) => path === QUEUES_PATH || path.startsWith(`${QUEUES_PATH}/`),
    }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(res);
    if (r.ready) return { status: 'ready', checks: r.checks };
    const failed = Object.entries(r.checks)
      .filter(([, v]) => v !== 'ok')
      .map(([k]) => k);
    return reply.status(503).send({ status: 'unavailable', failed, checks: r.checks });
  });

  const metrics = createMetrics(res);
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

  const routes = apiRoutes(res, sessions);
  registerRoutes(app, routes);
  const doc = openApiDocument(routes, { title: 'contact-sync admin API', version: '1' });
  app.get('/api/openapi.json', async () => doc);

  mountUi(app);
  mountQueueDashboard(app, res);
  return app;
}

export interface StartAdminOptions extends AdminAppOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningAdminServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startAdminServer(opts: StartAdminOptions): Promise<RunningAdminServer> {
  const app = buildAdminApp(opts);
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: opts.port ?? 0 });
  } catch (err) {
    await app.close(); // e.g. EADDRINUSE: the caller may retry on another port
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, app, close: () => app.close() };
}
