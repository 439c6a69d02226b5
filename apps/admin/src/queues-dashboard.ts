import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { AdminContext } from '@contact-sync/admin-ops';
import type { FastifyInstance } from 'fastify';

export const QUEUES_PATH = '/queues';

/** Bull Board over every queue of the worker; the server's auth hook guards it like the API. */
export function mountQueueDashboard(app: FastifyInstance, res: AdminContext): void {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  const queues = [...res.queues.pull.values(), ...res.queues.push.values(), res.queues.reconcile];
  createBullBoard({
    // bull-board's adapter is typed against its own bullmq version; the queues are the same class at runtime.
    queues: queues.map((q) => new BullMQAdapter(q as never)),
    serverAdapter: serverAdapter as never,
    options: { uiConfig: { boardTitle: 'contact-sync queues' } },
  });
  app.register(serverAdapter.registerPlugin() as never, { prefix: QUEUES_PATH });
  // Bull Board's page loads its fonts from fonts.googleapis.com: drop that link so the page
  // works offline and asks no outside host for anything (its CSS falls back to system fonts).
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.url.startsWith(QUEUES_PATH) || typeof payload !== 'string') return payload;
    if (!String(reply.getHeader('content-type') ?? '').includes('text/html')) return payload;
    return withoutOutsideLinks(payload);
  });
}

/** `<link … href="https://…">` removed (stylesheets, preconnects): nothing is fetched from another host. */
const withoutOutsideLinks = (html: string): string =>
  html.replace(/<link\b[^>]*\bhref=["'](?:https?:)?\/\/[^"']*["'][^>]*>\s*/gi, '');
