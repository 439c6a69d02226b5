import { NotFoundError, PermanentError } from '../errors.ts';
import type { ErrorDetails } from '../shared/classify.ts';
import { messageOf } from '../shared/classify.ts';
import { HttpClient, type HttpResponse, type RequestSpec } from '../shared/http.ts';
import { jsonObjectEntries } from '../shared/json-entries.ts';
import { stringOption, transportOptions } from '../shared/options.ts';
import type { ConnectorConfig } from '../types.ts';
import type { NodepingContactWrite } from './schema.ts';

/** NodePing names no field in its errors; guess it from the message for the report. */
const fieldOf = (message: string): string | null =>
  /newaddresses/i.test(message)
    ? 'newaddresses'
    : /address/i.test(message)
      ? 'addresses'
      : /custrole/i.test(message)
        ? 'custrole'
        : /name/i.test(message)
          ? 'name'
          : null;

const describeError = (_status: number, body: unknown, text: string): ErrorDetails => {
  const message = messageOf(body, text, ['error', 'message']);
  return { message, field: fieldOf(message) };
};

/** Errors also come back as HTTP 200 with an `error` key: check the body, not only the status. */
export const inspectOk = (res: HttpResponse): NotFoundError | PermanentError | null => {
  const error = (res.body as { error?: unknown } | null)?.error;
  if (typeof error !== 'string' && error !== true) return null;
  const message = typeof error === 'string' ? error : 'error';
  if (/unable to find|not found|does not exist|no such/i.test(message)) {
    return new NotFoundError('nodeping', `nodeping: ${message}`, 200);
  }
  return new PermanentError('nodeping', message, 200, fieldOf(message));
};

/** HTTP only: token as HTTP Basic username, optional `customerid`, JSON bodies. */
export class NodepingClient {
  readonly http: HttpClient;
  readonly #customerid: string | undefined;
  constructor(config: ConnectorConfig) {
    this.#customerid = stringOption(config, 'customerId') ?? stringOption(config, 'customerid');
    this.http = new HttpClient({
      provider: 'nodeping',
      ...transportOptions(config),
      headers: { authorization: `Basic ${Buffer.from(`${config.credential}:`).toString('base64')}` },
      describeError,
      inspectOk,
    });
  }

  #req(spec: RequestSpec): Promise<HttpResponse> {
    return this.http.request({ ...spec, query: { ...spec.query, customerid: this.#customerid } });
  }

  /**
   * The whole list in one response (the API does not paginate), read as it streams in: contacts
   * keyed by id, a batch per network chunk. An error reported inside the 200 (`{"error": …}`) is
   * raised as `inspectOk` would.
   */
  async *list(signal?: AbortSignal): AsyncIterable<[string, unknown][]> {
    const spec: RequestSpec = { method: 'GET', path: '/contacts', query: { customerid: this.#customerid } };
    if (signal) spec.signal = signal;
    yield* this.http.streamed(spec, async function* (body) {
      for await (const batch of jsonObjectEntries(body, 'nodeping', 'contact list')) {
        const error = batch.find(([key, value]) => key === 'error' && (typeof value === 'string' || value === true));
        if (error) throw inspectOk({ status: 200, headers: new Headers(), body: { error: error[1] } })!;
        yield batch;
      }
    });
  }
  /** `{}` when the contact does not exist. */
  async get(id: string): Promise<unknown> {
    return (await this.#req({ method: 'GET', path: `/contacts/${encodeURIComponent(id)}` })).body;
  }
  async create(body: NodepingContactWrite): Promise<unknown> {
    const b = this.#customerid ? { ...body, customerid: this.#customerid } : body;
    return (await this.#req({ method: 'POST', path: '/contacts', body: b })).body;
  }
  /** Not idempotent when it carries `newaddresses`: a repeat would add them twice. */
  async update(id: string, body: NodepingContactWrite): Promise<unknown> {
    const b = this.#customerid ? { ...body, customerid: this.#customerid } : body;
    return (
      await this.#req({
        method: 'PUT',
        path: `/contacts/${encodeURIComponent(id)}`,
        body: b,
        idempotent: body.newaddresses === undefined,
      })
    ).body;
  }
  async delete(id: string): Promise<void> {
    await this.#req({ method: 'DELETE', path: `/contacts/${encodeURIComponent(id)}`, expectBody: false });
  }
}
