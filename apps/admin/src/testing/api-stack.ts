import { PassThrough } from 'node:stream';
import { createLogger } from '@contact-sync/engine';
import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll } from 'vitest';
import { type RunningAdminServer, startAdminServer } from '../server.ts';

// What the API suites (api*.integration.test.ts) share: every admin route over real HTTP, against
// a real sync of the five simulators (hold policy, so an edit of one field in two providers leaves
// an open conflict for review). `useApiStack()` sets it up for the calling file; the bindings
// below are filled in by its beforeAll.
export const TOKEN = 'test-admin-token-0123456789abcdef';
export let db: Awaited<ReturnType<typeof createTestDatabase>>;
export let stack: Stack;
export let admin: RunningAdminServer;
export const logLines: string[] = [];

/** A fresh database, a whole contact-sync synced once on it, its admin server logging into `logLines`. */
export function useApiStack(): void {
  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack({
      databaseUrl: db.databaseUrl,
      redisUrl: db.redisUrl,
      prefix: db.redisPrefix,
      sandboxOptions: { seed: 21, contacts: 16 },
      configOverrides: { conflictPolicy: { kind: 'hold' }, push: { attempts: 2, backoff: 10, concurrency: 4 } },
    });
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    admin = await startAdminServer({
      res: stack.res,
      token: TOKEN,
      logger: createLogger({ level: 'info', destination: sink }),
    });
    await stack.sync();
  });
  afterAll(async () => {
    await admin?.close();
    await stack?.close();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions that read them
export type J = any;

interface Answer {
  status: number;
  headers: Headers;
  body: J;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${admin.url}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, body };
}
export const get = (path: string, token?: string | null) => call('GET', path, { token });
export const post = (path: string, body?: unknown) => call('POST', path, { body: body ?? {} });

/** Two providers edit one field of one person differently: an open conflict under the hold policy. */
export async function makeFieldConflict(last: { church: string; grow: string }) {
  const link = await stack.res.prisma.link.findFirstOrThrow({
    // A person in ChurchPad and Grow CRM only among the name holders (ilert holds names too, read-only).
    where: {
      connectionId: 'churchpad',
      canonical: { links: { some: { connectionId: 'growcrm' }, none: { connectionId: 'ilert' } } },
    },
    orderBy: { externalId: 'desc' },
  });
  const grow = await stack.res.prisma.link.findFirstOrThrow({
    where: { connectionId: 'growcrm', canonicalId: link.canonicalId },
  });
  stack.sandbox.sim.churchpad.update(link.externalId, { last_name: last.church });
  stack.sandbox.sim.growcrm.update(Number(grow.externalId), { last_name: last.grow });
  await stack.sync();
  return { canonicalId: link.canonicalId, churchId: link.externalId, growId: Number(grow.externalId) };
}
