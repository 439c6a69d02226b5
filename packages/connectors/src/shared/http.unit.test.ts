import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, PermanentError, TransientError } from '../errors.ts';
import { messageOf, parseRetryAfter } from './classify.ts';
import type { RequestGate } from './gate.ts';
import { BodyTooLargeError, HttpClient, joinSignals } from './http.ts';
import { json, type Script, startTestServer, type TestServer } from './test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const clientFor = async (
  script: Script,
  extra: {
    timeoutMs?: number;
    retries?: number;
    maxBodyBytes?: number;
    userinfo?: string;
    gate?: RequestGate;
    signal?: AbortSignal;
  } = {},
) => {
  server = await startTestServer(script);
  const { userinfo, ...rest } = extra;
  return new HttpClient({
    provider: 'test',
    baseUrl: `${userinfo ? server.url.replace('://', `://${userinfo}@`) : server.url}/api/`,
    headers: { authorization: 'Bearer k' },
    minBackoffMs: 1,
    retries: 3,
    ...rest,
    describeError: (_s, body, text) => ({
      message: messageOf(body, text),
      field: (body as { field?: string } | null)?.field ?? null,
    }),
  });
};

describe('HttpClient', () => {
  it('sends auth and query, parses JSON', async () => {
    const http = await clientFor(() => json(200, { ok: 1 }));
    const res = await http.request({ method: 'GET', path: '/things', query: { page: 2, skip: undefined } });
    expect(res.body).toEqual({ ok: 1 });
    expect(server?.seen[0]?.url).toBe('/api/things?page=2');
    expect(server?.seen[0]?.headers.authorization).toBe('Bearer k');
  });

  it('retries 5xx on a GET until it clears', async () => {
    const http = await clientFor((_r, _b, n) => (n < 3 ? json(503, { message: 'busy' }) : json(200, [1])));
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ body: [1] });
    expect(server?.seen).toHaveLength(3);
  });

  it('gives up after the bounded number of attempts with a TransientError', async () => {
    const http = await clientFor(() => json(500, { message: 'down' }));
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('down');
    expect(server?.seen).toHaveLength(4);
  });

  it('waits for Retry-After on 429 before the next attempt', async () => {
    const http = await clientFor((_r, _b, n) =>
      n === 1 ? json(429, { message: 'slow down' }, { 'retry-after': '1' }) : json(200, {}),
    );
    await http.request({ method: 'GET', path: '/x' });
    const [a, b] = server?.seen ?? [];
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('does not sleep in-process for a Retry-After beyond the cap; the error carries it', async () => {
    const http = await clientFor(() => json(429, {}, { 'retry-after': '3600' }));
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.retryAfterMs).toBe(3_600_000);
    expect(server?.seen).toHaveLength(1);
  });

  it('turns 4xx into a PermanentError with the message and field, without retrying', async () => {
    const http = await clientFor(() => json(422, { message: 'email taken', field: 'email' }));
    const err = await http.request({ method: 'POST', path: '/x', body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ message: 'email taken', field: 'email', status: 422 });
    expect(server?.seen).toHaveLength(1);
  });

  it('turns 404 into NotFoundError', async () => {
    const http = await clientFor(() => json(404, { message: 'nope' }));
    await expect(http.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('treats an HTML 200 as transient and retries it', async () => {
    const http = await clientFor((_r, _b, n) =>
      n === 1 ? { status: 200, body: '<html>oops</html>', headers: { 'content-type': 'text/html' } } : json(200, []),
    );
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ body: [] });
  });

  it('reports an unparseable 200 clearly once attempts run out', async () => {
    const http = await clientFor(() => ({ status: 200, body: '' }), { retries: 0 });
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/not JSON/);
  });

  it('times out a hanging request and retries it', async () => {
    const http = await clientFor((_r, _b, n) => (n === 1 ? 'hang' : json(200, { ok: true })), { timeoutMs: 200 });
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ body: { ok: true } });
    expect(server?.seen).toHaveLength(2);
  });

  it('stops a hanging request when its own signal or the client’s aborts, without retrying', async () => {
    const stop = new AbortController();
    const http = await clientFor(() => 'hang', { timeoutMs: 10_000, signal: stop.signal });
    const own = new AbortController();
    const first = http.request({ method: 'GET', path: '/a', signal: own.signal });
    setTimeout(() => own.abort(new Error('job cancelled')), 50);
    await expect(first).rejects.toThrow('job cancelled');
    const second = http.request({ method: 'GET', path: '/b' });
    setTimeout(() => stop.abort(new Error('worker stopping')), 50);
    await expect(second).rejects.toThrow('worker stopping');
    expect(server?.seen).toHaveLength(2);
  });

  it('retries a connection reset on a GET', async () => {
    const http = await clientFor((_r, _b, n) => (n === 1 ? 'reset' : json(200, 1)));
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ body: 1 });
  });

  it('does not repeat a POST whose outcome is unknown (5xx), but flags it', async () => {
    const http = await clientFor(() => json(500, {}));
    const err = await http.request({ method: 'POST', path: '/x', body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.mayHaveApplied).toBe(true);
    expect(server?.seen).toHaveLength(1);
  });

  it('repeats a POST refused with 429 (certainly not applied)', async () => {
    const http = await clientFor((_r, _b, n) =>
      n === 1 ? json(429, {}, { 'retry-after': '0' }) : json(201, { id: 1 }),
    );
    await expect(http.request({ method: 'POST', path: '/x', body: {} })).resolves.toMatchObject({ status: 201 });
  });

  it('tells the gate each request ended, once per acquire, after the server saw it: an answer, a 5xx, a reset, a timeout', async () => {
    const events: string[] = [];
    const endedAt: number[] = [];
    const gate: RequestGate = {
      acquire: async () => void events.push('acquire'),
      observe: () => {},
      done: () => {
        events.push('done');
        endedAt.push(Date.now());
      },
    };
    const script: Script = (_r, _b, n) =>
      n === 1 ? json(503, {}) : n === 2 ? 'reset' : n === 3 ? 'hang' : json(200, 1);
    const http = await clientFor(script, { gate, timeoutMs: 200 });
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ body: 1 });
    expect(events).toEqual(['acquire', 'done', 'acquire', 'done', 'acquire', 'done', 'acquire', 'done']);
    const seenAt = server!.seen.map((r) => r.at);
    expect(seenAt).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(endedAt[i]!).toBeGreaterThanOrEqual(seenAt[i]!);
  });

  it('classifies a refused connection as transient and not applied', async () => {
    const closed = await startTestServer(() => json(200, {}));
    await closed.close();
    const http = new HttpClient({
      provider: 'test',
      baseUrl: closed.url,
      headers: {},
      retries: 0,
      describeError: () => ({ message: '', field: null }),
    });
    const err = await http.request({ method: 'POST', path: '/x', body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.mayHaveApplied).toBe(false);
  });
});

// Issue 17: what an outside probe broke.
describe('secrets in URLs never reach an error message', () => {
  const everything = (err: unknown) =>
    JSON.stringify(err, Object.getOwnPropertyNames(err as object)) + String((err as Error).message);

  it('a base URL with user:password@: the error leaves the password out, cause included', async () => {
    const http = await clientFor(() => json(200, {}), { userinfo: 'alice:s3cret-pw', retries: 1 });
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(everything(err)).not.toContain('s3cret-pw');
    expect(everything((err as Error).cause)).not.toContain('s3cret-pw');
    expect((err as Error).message).toContain('[redacted]@');
  });

  it('a query string (a next link with a key) is cut from a not-JSON error', async () => {
    const http = await clientFor(() => ({ status: 200, body: '<html>', headers: { 'content-type': 'text/html' } }), {
      retries: 0,
    });
    const next = `${server!.url}/api/page?api_key=s3cret-key&page=2`;
    const err = await http.request({ method: 'GET', path: next }).catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/not JSON/);
    expect(err.message).not.toContain('s3cret-key');
    expect(err.message).toContain('/api/page?[redacted]');
  });

  it('a provider error echoing the URL is redacted', async () => {
    const http = await clientFor(
      () => json(400, { message: 'bad request to https://bob:s3cret-pw@crm.example/api?token=s3cret-tok' }),
      { retries: 0 },
    );
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe('bad request to https://[redacted]@crm.example/api?[redacted]');
  });
});

describe('body size cap', () => {
  const big = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });

  it('refuses a 2xx body over the cap, naming the cap, without retrying', async () => {
    const http = await clientFor(() => ({ status: 200, body: big(200_000) }), { maxBodyBytes: 100_000 });
    const err = await http.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err.message).toBe(
      'test: GET /x exceeds the body size cap of 100000 bytes (options.maxBodyBytes); the answer was not used',
    );
    expect(server?.seen).toHaveLength(1);
  });

  it('counts a body without content-length as it arrives', async () => {
    const chunk = 'x'.repeat(40_000);
    const http = await clientFor(() => ({ status: 200, chunks: ['{"a":"', chunk, chunk, chunk, '"}'] }), {
      maxBodyBytes: 100_000,
    });
    await expect(http.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(server?.seen).toHaveLength(1);
  });

  it('takes a body up to the cap, and caps by default at 16 MiB', async () => {
    const http = await clientFor(() => ({ status: 200, body: big(90_000) }), { maxBodyBytes: 100_000 });
    await expect(http.request({ method: 'GET', path: '/x' })).resolves.toMatchObject({ status: 200 });
    const dflt = await clientFor(() => ({ status: 200, body: big(17 * 1024 * 1024) }));
    await expect(dflt.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('still classifies an oversize error answer by its status', async () => {
    const http = await clientFor(() => ({ status: 503, body: big(200_000) }), { maxBodyBytes: 100_000, retries: 1 });
    await expect(http.request({ method: 'GET', path: '/x' })).rejects.toBeInstanceOf(TransientError);
    expect(server?.seen).toHaveLength(2);
  });

  it('caps what a streamed body’s reader holds unfinished, after what it had yielded; not retried', async () => {
    const chunk = 'x'.repeat(40_000);
    const http = await clientFor(
      () => ({ status: 200, chunks: ['{"a":1,', '"b":"', chunk, chunk, chunk, '"}'], gapMs: 5 }),
      { maxBodyBytes: 100_000 },
    );
    const got: string[] = [];
    const err = await (async () => {
      for await (const key of http.streamed({ method: 'GET', path: '/list' }, async function* (body) {
        // One item per complete entry, as jsonObjectEntries does: "b" never completes under the cap.
        let text = '';
        let a = false;
        for await (const c of body ?? []) {
          text += new TextDecoder().decode(c);
          if (!a && text.startsWith('{"a":1,')) {
            a = true;
            yield 'a';
          }
        }
        yield 'b';
      }))
        got.push(key);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect((err as Error).message).toBe(
      'test: GET /list exceeds the body size cap of 100000 bytes (options.maxBodyBytes) without completing an entry of its streamed list; the answer was not used',
    );
    expect(got).toEqual(['a']);
    expect(server?.seen).toHaveLength(1);
  });

  it('takes a streamed list larger than the cap in all, entry by entry (NodePing answers its list whole)', async () => {
    const entry = (i: number) => `"c${i}":"${'x'.repeat(20_000)}"`;
    const chunks = ['{', ...Array.from({ length: 20 }, (_, i) => `${i ? ',' : ''}${entry(i)}`), '}'];
    const http = await clientFor(() => ({ status: 200, chunks, gapMs: 1 }), { maxBodyBytes: 100_000 });
    let pieces = 0;
    let bytes = 0;
    for await (const n of http.streamed({ method: 'GET', path: '/list' }, async function* (body) {
      for await (const c of body ?? []) yield c.byteLength;
    })) {
      pieces += 1;
      bytes += n;
    }
    expect(bytes).toBeGreaterThan(400_000); // four times the cap, in entries a fifth of it
    expect(pieces).toBeGreaterThanOrEqual(20); // one per chunk the server sent an entry in
  });
});

describe('joinSignals', () => {
  it('aborts when any signal does, with its reason, until released', () => {
    const a = new AbortController();
    const b = new AbortController();
    const joined = joinSignals(a.signal, undefined, b.signal);
    b.abort('b went');
    expect(joined.signal?.aborted).toBe(true);
    expect(joined.signal?.reason).toBe('b went');
    const c = new AbortController();
    const released = joinSignals(a.signal, c.signal);
    released.release();
    c.abort('late');
    expect(released.signal?.aborted).toBe(false);
    // One signal is passed through; an aborted one aborts the join at once.
    expect(joinSignals(undefined, c.signal).signal).toBe(c.signal);
    expect(joinSignals(c.signal, a.signal).signal?.reason).toBe('late');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });

  describe('streamed bodies', () => {
    const entries = async function* (body: ReadableStream<Uint8Array> | null) {
      const decoder = new TextDecoder();
      for await (const chunk of body ?? []) yield decoder.decode(chunk);
    };

    it('the timeout limits each wait for data, not the time the reader spends with it', async () => {
      const http = await clientFor(() => ({ status: 200, chunks: ['{"a":1', ',"b":2', '}'], gapMs: 20 }), {
        timeoutMs: 150,
      });
      let text = '';
      const started = Date.now();
      for await (const piece of http.streamed({ method: 'GET', path: '/list' }, entries)) {
        text += piece;
        await new Promise((r) => setTimeout(r, 200)); // a slow consumer: longer than the timeout
      }
      expect(JSON.parse(text)).toEqual({ a: 1, b: 2 });
      expect(Date.now() - started).toBeGreaterThan(400);
    });

    it('a body being read stops when the client’s signal aborts (the worker stopping)', async () => {
      const stop = new AbortController();
      const http = await clientFor(() => ({ status: 200, chunks: ['{"a":1'], stall: true }), {
        timeoutMs: 10_000,
        signal: stop.signal,
      });
      const seen: string[] = [];
      const read = (async () => {
        for await (const piece of http.streamed({ method: 'GET', path: '/list' }, entries)) {
          seen.push(piece);
          stop.abort(new Error('worker stopping'));
        }
      })();
      await expect(read).rejects.toThrow();
      expect(seen).toEqual(['{"a":1']);
      expect(server?.seen).toHaveLength(1);
    });

    it('a body that stops sending times out, after what it had sent was handed on', async () => {
      const http = await clientFor(() => ({ status: 200, chunks: ['{"a":1'], stall: true }), { timeoutMs: 100 });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const piece of http.streamed({ method: 'GET', path: '/list' }, entries)) seen.push(piece);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as Error).message).toBe('test: request timed out after 100 ms');
      expect(seen).toEqual(['{"a":1']);
      expect(server?.seen).toHaveLength(1); // not retried: part of it was handed on
    });

    it('an error answer is retried and classified as for a request', async () => {
      const http = await clientFor((_r, _b, n) => (n < 2 ? json(503, { message: 'busy' }) : json(200, { ok: 1 })));
      const pieces: string[] = [];
      for await (const p of http.streamed({ method: 'GET', path: '/list' }, entries)) pieces.push(p);
      expect(JSON.parse(pieces.join(''))).toEqual({ ok: 1 });
      expect(server?.seen).toHaveLength(2);
    });
  });
});
