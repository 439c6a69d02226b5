import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const UI_PATH = '/ui/';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const files = [
  'index.html',
  'app.js',
  'api.js',
  'bulk.js',
  'conflicts.js',
  'dom.js',
  'failed-ops.js',
  'held-changes.js',
  'held-deletes.js',
  'keyboard.js',
  'merge.js',
  'people.js',
  'person-history.js',
  'person-view.js',
  'style.css',
  'views.css',
];

/**
 * The review page: static files, no build step. They hold no data (the page calls the
 * API with the token it reads from the URL fragment), so they are served without auth.
 * A strict CSP keeps scripts to these files.
 */
export function mountUi(app: FastifyInstance): void {
  const assets = new Map(files.map((f) => [f, readFileSync(new URL(`./ui/${f}`, import.meta.url), 'utf8')] as const));
  const send = (name: string) => {
    const ext = name.slice(name.lastIndexOf('.'));
    return { body: assets.get(name), type: types[ext] ?? 'application/octet-stream' };
  };
  const security = {
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  app.get('/ui', (_req, reply) => reply.redirect(UI_PATH));
  app.get('/ui/', (_req, reply) => {
    const { body, type } = send('index.html');
    return reply.headers(security).type(type).send(body);
  });
  app.get<{ Params: { file: string } }>('/ui/:file', (req, reply) => {
    if (!assets.has(req.params.file)) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no file "${req.params.file}" in /ui/` } });
    }
    const { body, type } = send(req.params.file);
    return reply.headers(security).type(type).send(body);
  });
}
