import type { ErrorDetails } from '../shared/classify.ts';
import { messageOf } from '../shared/classify.ts';
import { HttpClient } from '../shared/http.ts';
import { transportOptions } from '../shared/options.ts';
import { parseEnvelope } from '../shared/parse.ts';
import type { ConnectorConfig } from '../types.ts';
import { type GrowcrmContactWrite, GrowcrmListSchema, GrowcrmOneSchema } from './schema.ts';

const PAGE_SIZE = 100;

/** `{message, errors: {field: [messages]}}` (errors only on 422). */
export const describeError = (_status: number, body: unknown, text: string): ErrorDetails => {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
    for (const [field, v] of Object.entries(errors)) {
      const msg = Array.isArray(v) ? v.find((m) => typeof m === 'string') : typeof v === 'string' ? v : undefined;
      if (msg) return { message: msg, field };
    }
  }
  return { message: messageOf(body, text), field: null };
};

/** HTTP only: Bearer auth, page/limit pages, `{data, meta, message}` envelopes. */
export class GrowcrmClient {
  readonly http: HttpClient;
  constructor(config: ConnectorConfig) {
    this.http = new HttpClient({
      provider: 'growcrm',
      ...transportOptions(config),
      headers: { authorization: `Bearer ${config.credential}` },
      describeError,
    });
  }

  /** Raw items page by page, oldest first; stops at `meta.last_page` or a short page. */
  async *pages(query: Record<string, string> = {}, signal?: AbortSignal): AsyncGenerator<unknown[]> {
    for await (const p of this.pagesFrom(1, query, signal)) if (p.data.length > 0) yield p.data;
  }

  /** Pages from `first` on, each with `meta.total` (when sent) and the next page's number (null at the end). */
  async *pagesFrom(
    first: number,
    query: Record<string, string> = {},
    signal?: AbortSignal,
  ): AsyncGenerator<{ data: unknown[]; total: number | null; nextPage: number | null }> {
    for (let page = first; ; page++) {
      const res = await this.http.request({
        method: 'GET',
        path: '/contacts',
        query: { sort: 'created', order: 'asc', limit: PAGE_SIZE, ...query, page },
        ...(signal ? { signal } : {}),
      });
      const body = parseEnvelope('growcrm', 'contacts page', GrowcrmListSchema, res.body);
      const last = body.meta?.last_page;
      const end = last != null ? page >= last : body.data.length < PAGE_SIZE;
      yield { data: body.data, total: body.meta?.total ?? null, nextPage: end ? null : page + 1 };
      if (end) return;
    }
  }

  async get(id: string): Promise<unknown> {
    const res = await this.http.request({ method: 'GET', path: `/contacts/${encodeURIComponent(id)}` });
    return parseEnvelope('growcrm', 'contact', GrowcrmOneSchema, res.body).data;
  }
  async create(body: GrowcrmContactWrite): Promise<unknown> {
    const res = await this.http.request({ method: 'POST', path: '/contacts', body });
    return parseEnvelope('growcrm', 'contact', GrowcrmOneSchema, res.body).data;
  }
  async update(id: string, body: GrowcrmContactWrite): Promise<unknown> {
    const res = await this.http.request({ method: 'PUT', path: `/contacts/${encodeURIComponent(id)}`, body });
    return parseEnvelope('growcrm', 'contact', GrowcrmOneSchema, res.body).data;
  }
  async delete(id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/contacts/${encodeURIComponent(id)}` });
  }
}
