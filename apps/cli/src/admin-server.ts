import { randomBytes } from 'node:crypto';
import type { Resources } from '@contact-sync/engine';

export interface RunningAdmin {
  /** Base URL, no trailing slash; the review page is `${url}/ui/#token=…`. */
  url: string;
  close(): Promise<void>;
}

/** The admin token: ADMIN_TOKEN from the environment, else a fresh random one for this process. */
export function adminToken(env: NodeJS.ProcessEnv = process.env): string {
  return env.ADMIN_TOKEN || randomBytes(24).toString('base64url');
}

/**
 * Starts the admin HTTP server (`@contact-sync/admin/server`). Loaded lazily, so the other
 * commands work without it, and a missing or broken admin package is reported, not fatal to the demo.
 */
export async function startAdmin(
  res: Resources,
  opts: {
    token: string;
    port: number;
    host?: string /** Take any free port when `port` is taken (default true). */;
    fallbackPort?: boolean;
  },
): Promise<RunningAdmin> {
  const spec = '@contact-sync/admin/server';
  const mod = (await import(spec)) as {
    startAdminServer?: (
      o: Record<string, unknown>,
    ) => Promise<{ url?: string; address?: string; close(): Promise<void> }>;
  };
  if (typeof mod.startAdminServer !== 'function') throw new Error(`${spec} does not export startAdminServer`);
  const host = opts.host ?? '127.0.0.1';
  const tryStart = (port: number) => mod.startAdminServer!({ res, token: opts.token, port, host });
  let server: Awaited<ReturnType<typeof tryStart>>;
  try {
    server = await tryStart(opts.port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.port === 0 || opts.fallbackPort === false)
      throw err;
    server = await tryStart(0);
  }
  const url = (server.url ?? server.address ?? `http://${host}:${opts.port}`).replace(/\/$/, '');
  return { url, close: () => server.close() };
}
