import pRetry from 'p-retry';
import { request as undiciRequest } from 'undici';
import { type ConnectorError, PermanentError, TransientError } from '../errors.ts';
import { classifyStatus, type ErrorDetails, parseRetryAfter } from './classify.ts';
import type { RequestGate, ResponseHeaders } from './gate.ts';
import { redactUrls } from './redact.ts';
import { sleep } from './sleep.ts';

/** What a provider's answer may weigh unless the connection sets `options.maxBodyBytes`. */
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * A 2xx body larger than the cap (`maxBodyBytes`): the answer is not used. Not transient — the
 * same request would bring the same body — so the transport does not retry it; a pull it breaks
 * fails as incomplete (nothing is marked gone) and its job's bounded attempts end it.
 */
export class BodyTooLargeError extends PermanentError {
  readonly limitBytes: number;
  constructor(provider: string, limitBytes: number, what: string, streamed = false) {
    const where = streamed ? ' without completing an entry of its streamed list' : '';
    super(
      provider,
      `${provider}: ${what} exceeds the body size cap of ${limitBytes} bytes (options.maxBodyBytes)${where}; the answer was not used`,
      null,
    );
    this.limitBytes = limitBytes;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec {
  method: Method;
  /** Path below the base URL (leading slash), or an absolute URL (a `next` link). */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /**
   * Whether repeating the request is harmless. Non-idempotent requests are retried only
   * when the provider certainly did not apply them (429, connection refused); otherwise
   * the error goes up with `mayHaveApplied` so the caller can look before retrying.
   */
  idempotent?: boolean;
  /** Whether a 2xx must carry a JSON body (false for DELETE → 204). */
  expectBody?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

export interface HttpClientOptions {
  provider: string;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  retries?: number;
  minBackoffMs?: number;
  /** A Retry-After longer than this is not slept in-process: the error goes up with retryAfterMs. */
  maxRetryAfterMs?: number;
  /** Extracts the provider's message and field from an error body. */
  describeError: (status: number, body: unknown, text: string) => ErrorDetails;
  /** Providers that report errors inside a 2xx (NodePing) turn them into errors here. */
  inspectOk?: (res: HttpResponse, spec: RequestSpec) => ConnectorError | null;
  /**
   * The most bytes a body may have (default `DEFAULT_MAX_BODY_BYTES`). A streamed body is held by
   * the entry, not whole, so there it bounds the bytes read between two items its reader yields.
   */
  maxBodyBytes?: number;
  /** The connection's request budget: every attempt acquires from it and reports its answer. */
  gate?: RequestGate;
  /** Aborts every request of this client (the worker's stop), besides each request's own signal. */
  signal?: AbortSignal;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * JSON over undici (keep-alive connection pool by default), with a timeout per attempt, typed
 * errors and bounded retries (exponential backoff with jitter, Retry-After honoured). A request
 * goes through undici's `request`, which costs a third of `fetch`'s CPU per call (no WHATWG
 * streams); a streamed list goes through `fetch`, whose web stream its readers take.
 */
export class HttpClient {
  readonly provider: string;
  readonly #o: Required<Omit<HttpClientOptions, 'inspectOk' | 'gate' | 'signal'>> &
    Pick<HttpClientOptions, 'inspectOk' | 'gate' | 'signal'>;
  /** Requests sent (attempts, including retries): for tests and metrics. */
  attempts = 0;

  constructor(options: HttpClientOptions) {
    this.provider = options.provider;
    this.#o = {
      timeoutMs: 15_000,
      retries: 4,
      minBackoffMs: 500,
      maxRetryAfterMs: 60_000,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  url(path: string, query?: RequestSpec['query']): string {
    const u = new URL(/^https?:\/\//.test(path) ? path : `${this.#o.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  request(spec: RequestSpec): Promise<HttpResponse> {
    const joined = this.#withSignal(spec);
    return this.#retrying(joined.spec, () => this.#once(joined.spec) as Promise<HttpResponse>).finally(joined.release);
  }

  /** The request's signal joined with the client's, until `release` (the request, retries included, ended). */
  #withSignal(spec: RequestSpec): { spec: RequestSpec; release: () => void } {
    const { signal, release } = joinSignals(this.#o.signal, spec.signal);
    return { spec: signal === spec.signal ? spec : { ...spec, signal }, release };
  }

  /**
   * Like `request`, but a 2xx answer's body is handed to `read` as a stream, for a list too large
   * to hold whole; what `read` yields is passed on as it comes. Error answers are as for
   * `request`. A transient failure of the body (cut off, not JSON, timed out) before `read` yielded
   * anything is retried like a request; one after that goes up, since the caller cannot take back
   * what it was given (a pull starts again).
   */
  async *streamed<T>(
    spec: RequestSpec,
    read: (body: ReadableStream<Uint8Array> | null) => AsyncIterable<T>,
  ): AsyncIterable<T> {
    const joined = this.#withSignal(spec);
    spec = joined.spec;
    try {
      // The attempt is the request and the body's first item: a failure up to there is retried by
      // the same policy as a request; after it, the caller already holds part of the answer.
      // The cap counts the bytes read since the reader last yielded: what it holds unfinished (one
      // entry being parsed), not the list, which goes on by the item (100,000 contacts are ~34 MB).
      const held = { bytes: 0 };
      const { items, first } = await this.#retrying(spec, async () => {
        const res = (await this.#once(spec, true)) as Response;
        held.bytes = 0;
        const items = read(res.body && this.#idleTimed(res.body, this.#what(spec), held))[Symbol.asyncIterator]();
        return { items, first: await items.next() };
      });
      try {
        for (let next = first; !next.done; next = await items.next()) {
          held.bytes = 0;
          yield next.value;
        }
      } finally {
        await items.return?.();
      }
    } finally {
      joined.release();
    }
  }

  /**
   * A streamed body under the timeout as an idle limit: each wait for the next chunk may take up to
   * `timeoutMs`. The time the reader spends with a chunk (a pull writing a page to Postgres) does
   * not count, so a long list read at the pace of its consumer does not time out. Failures of the
   * read come out as `TransientError`s. `held` counts the bytes read since the reader's last item
   * (reset by `streamed`); past the cap the body is refused.
   */
  #idleTimed(body: ReadableStream<Uint8Array>, what: string, held: { bytes: number }): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>(
      {
        pull: async (c) => {
          let timer: NodeJS.Timeout | undefined;
          const idle = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(this.#networkError(new Error('no data'), true)), this.#o.timeoutMs);
          });
          try {
            const r = await Promise.race([reader.read(), idle]);
            if (r.done) c.close();
            else {
              held.bytes += r.value.byteLength;
              if (held.bytes > this.#o.maxBodyBytes)
                throw new BodyTooLargeError(this.provider, this.#o.maxBodyBytes, what, true);
              c.enqueue(r.value);
            }
          } catch (err) {
            reader.cancel().catch(() => {});
            c.error(
              err instanceof TransientError || err instanceof BodyTooLargeError ? err : this.#networkError(err, false),
            );
          } finally {
            clearTimeout(timer);
          }
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  #retrying<T>(spec: RequestSpec, attempt: () => Promise<T>): Promise<T> {
    const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.method === 'PUT' || spec.method === 'DELETE');
    return pRetry(attempt, {
      retries: this.#o.retries,
      minTimeout: this.#o.minBackoffMs,
      factor: 2,
      randomize: true,
      maxTimeout: 30_000,
      ...(spec.signal ? { signal: spec.signal } : {}),
      shouldRetry: async ({ error, retryDelay }) => {
        if (!(error instanceof TransientError)) return false;
        if (!idempotent && error.mayHaveApplied) return false;
        const wait = error.retryAfterMs ?? 0;
        if (wait > this.#o.maxRetryAfterMs) return false;
        // p-retry waits retryDelay after this; top it up to what the provider asked.
        await sleep(wait - retryDelay, spec.signal);
        return true;
      },
    });
  }

  async #once(spec: RequestSpec, streamOk = false): Promise<HttpResponse | Response> {
    await this.#o.gate?.acquire(spec.signal);
    this.attempts++;
    try {
      return await this.#sent(spec, streamOk);
    } catch (err) {
      if (err instanceof TransientError && !spec.signal?.aborted) this.#o.gate?.failed?.();
      throw err;
    } finally {
      this.#o.gate?.done?.();
    }
  }

  async #sent(spec: RequestSpec, streamOk: boolean): Promise<HttpResponse | Response> {
    // A timer cleared when the attempt ends (AbortSignal.timeout's stays alive until it fires);
    // for a streamed body it covers the headers, and #idleTimed the body.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#o.timeoutMs);
    // A streamed body is read after this returns, so its signal must follow the caller's for as
    // long as the body lives: AbortSignal.any's. A whole answer is read here: a listener, removed below.
    const joined = streamOk
      ? { signal: spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal, release: () => {} }
      : joinSignals(spec.signal, timeout.signal);
    const signal = joined.signal;
    const headers: Record<string, string> = { accept: 'application/json', ...this.#o.headers };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.url(spec.path, spec.query);
    // fetch refused such a URL and undici would send it on: neither is what the connection meant.
    if (/^https?:\/\/[^/?#]*@/.test(url))
      throw new PermanentError(
        this.provider,
        redactUrls(
          `${this.provider}: ${url} carries user:password@ credentials; give them in the connection's secrets`,
        ),
        null,
        null,
        { cause: { name: 'TypeError', message: redactUrls(`a URL with credentials is not sent: ${url}`) } },
      );
    const body = spec.body === undefined ? null : JSON.stringify(spec.body);
    let status: number;
    let resHeaders: ResponseHeaders;
    let text: string;
    try {
      if (streamOk) {
        const res = await fetch(url, { method: spec.method, headers, body, signal });
        await this.#o.gate?.observe(res.status, res.headers);
        if (res.status >= 200 && res.status < 300) return res;
        status = res.status;
        resHeaders = res.headers;
        const stop = () => void res.body?.cancel().catch(() => {});
        text = (await readCapped(res.body, res.headers, this.#o.maxBodyBytes, stop)).text;
      } else {
        const res = await undiciRequest(url, { method: spec.method, headers, body, signal });
        status = res.statusCode;
        resHeaders = headersOf(res.headers);
        await this.#o.gate?.observe(status, resHeaders);
        const read = await readCapped(res.body, resHeaders, this.#o.maxBodyBytes, destroyQuietly(res.body));
        // An error answer is only read for its message: a cut one still says enough.
        if (read.over && status >= 200 && status < 300)
          throw new BodyTooLargeError(this.provider, this.#o.maxBodyBytes, this.#what(spec));
        text = read.text;
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw err;
      if (spec.signal?.aborted) throw err;
      throw this.#networkError(err, timeout.signal.aborted);
    } finally {
      clearTimeout(timer);
      joined.release();
    }
    const parsed = parseJson(text);
    if (status < 200 || status >= 300) {
      const details = this.#o.describeError(status, parsed.ok ? parsed.value : null, text);
      details.message = redactUrls(details.message);
      throw classifyStatus(this.provider, status, details, parseRetryAfter(resHeaders.get('retry-after')));
    }
    const expectBody = spec.expectBody ?? spec.method !== 'DELETE';
    if (expectBody && status !== 204 && (!parsed.ok || parsed.value === null)) {
      const e = new TransientError(
        this.provider,
        redactUrls(
          `${this.provider} ${status}: ${this.#what(spec)} answered a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
        ),
        status,
      );
      e.mayHaveApplied = spec.method !== 'GET';
      throw e;
    }
    const out: HttpResponse = { status, headers: resHeaders, body: parsed.ok ? parsed.value : null };
    const inBody = this.#o.inspectOk?.(out, spec);
    if (inBody) {
      inBody.message = redactUrls(inBody.message);
      throw inBody;
    }
    return out;
  }

  /** `GET /path` for messages, an absolute link without its userinfo and query. */
  #what(spec: RequestSpec): string {
    return redactUrls(`${spec.method} ${spec.path}`);
  }

  #networkError(err: unknown, timedOut: boolean): TransientError {
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const code = cause?.code ?? (err as { code?: string })?.code;
    const message = timedOut
      ? `${this.provider}: request timed out after ${this.#o.timeoutMs} ms`
      : redactUrls(
          `${this.provider}: network error ${code ?? ''} ${cause?.message ?? (err as Error)?.message ?? ''}`.trim(),
        );
    // Not the original error as the cause: fetch's messages quote the URL (credentials, query).
    const e = new TransientError(this.provider, message, null, null, {
      cause: { name: (err as Error)?.name, code, message: redactUrls(String((err as Error)?.message ?? err)) },
    });
    e.mayHaveApplied = !(code && NOT_SENT_CODES.has(code));
    return e;
  }
}

/** undici's header object (lower-case names; a repeated header as a list) read by name. */
const headersOf = (raw: Record<string, string | string[] | undefined>): ResponseHeaders => ({
  get(name) {
    const v = raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
});

/**
 * A body as text, reading no more than `max` bytes (`over` when there was more): an undici body
 * or a fetch one (both are async iterables of chunks). A body not read to its end is given to
 * `stop`, which closes its connection rather than leave it half-read.
 */
async function readCapped(
  body: AsyncIterable<Uint8Array> | null,
  headers: ResponseHeaders,
  max: number,
  stop: () => void,
): Promise<{ text: string; over: boolean }> {
  const declared = Number(headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    stop();
    return { text: '', over: true };
  }
  if (!body) return { text: '', over: false };
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    if (bytes + chunk.byteLength > max) {
      chunks.push(chunk.subarray(0, max - bytes));
      stop();
      return { text: Buffer.concat(chunks).toString('utf8'), over: true };
    }
    bytes += chunk.byteLength;
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), over: false };
}

/** Ends an undici body early; undici then emits an abort on it, listened to so it is not an uncaught error. */
const destroyQuietly = (body: { destroy(): unknown; once(event: 'error', fn: () => void): unknown }) => () => {
  body.once('error', () => {});
  body.destroy();
};

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/**
 * One signal aborted when any of these is (with its reason), and a `release` that unhooks it once
 * the work it guarded ended. Cheaper than `AbortSignal.any`, whose composite signals are tracked
 * until collected (several per request: ~1.5% of a sync's CPU): for signals not needed past a
 * known end. One signal (or none) is passed through as it is.
 */
export function joinSignals(...signals: (AbortSignal | undefined)[]): {
  signal: AbortSignal | undefined;
  release: () => void;
} {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  if (given.length <= 1) return { signal: given[0], release: () => {} };
  const joined = new AbortController();
  const already = given.find((s) => s.aborted);
  if (already) {
    joined.abort(already.reason);
    return { signal: joined.signal, release: () => {} };
  }
  const hooks = given.map((s) => {
    const onAbort = () => joined.abort(s.reason);
    s.addEventListener('abort', onAbort, { once: true });
    return () => s.removeEventListener('abort', onAbort);
  });
  return {
    signal: joined.signal,
    release: () => {
      for (const unhook of hooks) unhook();
    },
  };
}
