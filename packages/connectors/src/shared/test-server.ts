import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** For unit tests of the transport: a tiny scripted node:http server. Not used at run time. */
export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Sent one after the other, `gapMs` apart, instead of `body`; with `stall`, the body never ends. */
  chunks?: string[];
  gapMs?: number;
  stall?: boolean;
}
export type Script = (req: IncomingMessage, body: string, n: number) => Scripted | 'hang' | 'reset';

export interface TestServer {
  url: string;
  seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string; at: number }[];
  close(): Promise<void>;
}

export const startTestServer = async (script: Script): Promise<TestServer> => {
  const seen: TestServer['seen'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      const out = script(req, body, seen.length);
      if (out === 'hang') return;
      if (out === 'reset') return void req.socket.destroy();
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      if (!out.chunks) return void res.end(out.body ?? '');
      const chunks = [...out.chunks];
      const next = () => {
        const c = chunks.shift();
        if (c !== undefined) {
          res.write(c);
          setTimeout(next, out.gapMs ?? 0);
        } else if (!out.stall) res.end();
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

export const json = (status: number, value: unknown, headers?: Record<string, string>): Scripted => ({
  status,
  body: JSON.stringify(value),
  ...(headers ? { headers } : {}),
});
