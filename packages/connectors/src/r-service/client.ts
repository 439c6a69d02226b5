import { z } from 'zod';
import type { ErrorDetails } from '../shared/classify.ts';
import { messageOf } from '../shared/classify.ts';
import { HttpClient } from '../shared/http.ts';
import { linkRel } from '../shared/link-header.ts';
import { stringOption, transportOptions } from '../shared/options.ts';
import { parseEnvelope } from '../shared/parse.ts';
import type { ConnectorConfig } from '../types.ts';
import type { RServiceContactWrite } from './schema.ts';

const PER_PAGE = 100;
const ArraySchema = z.array(z.unknown());

/** `{message}`; 422 `{message: "Validation Failed", errors: [[field, message]]}`. */
export const describeError = (_status: number, body: unknown, text: string): ErrorDetails => {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors)) {
    const first = errors.find((e) => Array.isArray(e) && typeof e[0] === 'string');
    if (first) {
      const field = first[0] as string;
      const msg = typeof first[1] === 'string' ? first[1] : messageOf(body, text);
      return field === 'base' ? { message: msg, field: null } : { message: `${field} ${msg}`, field };
    }
  }
  return { message: messageOf(body, text), field: null };
};

/**
 * HTTP only: Bearer token plus the account header (`X-4me-Account` unless the option
 * `accountHeader` names another), `per_page` pages followed through the Link header.
 */
export class RServiceClient {
  readonly http: HttpClient;
  constructor(config: ConnectorConfig) {
    const account = stringOption(config, 'account');
    this.http = new HttpClient({
      provider: 'r-service',
      ...transportOptions(config),
      headers: {
        authorization: `Bearer ${config.credential}`,
        ...(account ? { [stringOption(config, 'accountHeader') ?? 'X-4me-Account']: account } : {}),
      },
      describeError,
    });
  }

  /** Raw items of a collection page by page, following rel="next". */
  async *pages(path: string, signal?: AbortSignal): AsyncGenerator<unknown[]> {
    for await (const page of this.pagesFrom(path, null, signal)) if (page.items.length > 0) yield page.items;
  }

  /**
   * Pages from `from` (a rel="next" URL an earlier page gave; null: the first page) on, each with
   * its rel="next" (null on the last) and `X-Pagination-Total-Entries` (null when absent).
   */
  async *pagesFrom(
    path: string,
    from: string | null,
    signal?: AbortSignal,
  ): AsyncGenerator<{ items: unknown[]; next: string | null; total: number | null }> {
    let url: string | null = from ?? this.http.url(path, { per_page: PER_PAGE });
    while (url) {
      const res = await this.http.request({ method: 'GET', path: url, ...(signal ? { signal } : {}) });
      const items = parseEnvelope('r-service', `${path} page`, ArraySchema, res.body);
      const next = linkRel(res.headers.get('link'), 'next');
      const total = Number.parseInt(res.headers.get('x-pagination-total-entries') ?? '', 10);
      yield { items, next, total: Number.isFinite(total) ? total : null };
      url = next;
    }
  }

  async person(id: string): Promise<unknown> {
    return (await this.http.request({ method: 'GET', path: `/people/${encodeURIComponent(id)}` })).body;
  }
  async contacts(personId: string, signal?: AbortSignal): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const page of this.pages(`/people/${encodeURIComponent(personId)}/contacts`, signal)) out.push(...page);
    return out;
  }
  async addContact(personId: string, body: RServiceContactWrite): Promise<unknown> {
    return (await this.http.request({ method: 'POST', path: `/people/${encodeURIComponent(personId)}/contacts`, body }))
      .body;
  }
  /** PATCH with the full new state of the contact: idempotent. */
  async patchContact(personId: string, id: number, body: RServiceContactWrite): Promise<unknown> {
    return (
      await this.http.request({
        method: 'PATCH',
        path: `/people/${encodeURIComponent(personId)}/contacts/${id}`,
        body,
        idempotent: true,
      })
    ).body;
  }
  async deleteContact(personId: string, id: number): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/people/${encodeURIComponent(personId)}/contacts/${id}` });
  }
}
