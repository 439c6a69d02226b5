import type { ErrorDetails } from '../shared/classify.ts';
import { messageOf } from '../shared/classify.ts';
import { HttpClient } from '../shared/http.ts';
import { transportOptions } from '../shared/options.ts';
import { parseEnvelope } from '../shared/parse.ts';
import type { ConnectorConfig } from '../types.ts';
import { type ChurchpadContactWrite, ChurchpadPageSchema } from './schema.ts';

const PATH = '/api/unified-communications/contacts';
const PAGE_SIZE = 100;

/** DRF errors: `{detail}` for 401/403/404, `{field: [messages]}` for 400 validation. */
export const describeError = (_status: number, body: unknown, text: string): ErrorDetails => {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    if (typeof obj.detail === 'string') return { message: obj.detail, field: null };
    for (const [field, v] of Object.entries(obj)) {
      const msgs = Array.isArray(v) ? v.filter((m) => typeof m === 'string') : typeof v === 'string' ? [v] : [];
      if (msgs.length > 0)
        return { message: `${field}: ${msgs.join(' ')}`, field: field === 'non_field_errors' ? null : field };
    }
  }
  return { message: messageOf(body, text), field: null };
};

/** HTTP only: Bearer auth, limit/offset pages following `next`, typed errors. */
export class ChurchpadClient {
  readonly http: HttpClient;
  constructor(config: ConnectorConfig) {
    this.http = new HttpClient({
      provider: 'churchpad',
      ...transportOptions(config),
      headers: { authorization: `Bearer ${config.credential}` },
      describeError,
    });
  }

  /** Raw items page by page; follows the `next` URL the server gives. */
  async *pages(signal?: AbortSignal): AsyncGenerator<unknown[]> {
    for await (const page of this.pagesFrom(0, signal)) yield page.results;
  }

  /** Pages from `offset` on, each with its `count` and the offset of the next page (null at the end). */
  async *pagesFrom(
    offset: number,
    signal?: AbortSignal,
  ): AsyncGenerator<{ results: unknown[]; count: number; nextOffset: number | null }> {
    let url: string | null = this.http.url(PATH, { limit: PAGE_SIZE, offset });
    while (url) {
      const res = await this.http.request({ method: 'GET', path: url, ...(signal ? { signal } : {}) });
      const page = parseEnvelope('churchpad', 'contacts page', ChurchpadPageSchema, res.body);
      const next = page.next === null ? null : Number(new URL(page.next).searchParams.get('offset'));
      yield {
        results: page.results,
        count: page.count,
        nextOffset: next !== null && Number.isFinite(next) ? next : null,
      };
      url = page.next;
    }
  }

  async get(id: string): Promise<unknown> {
    return (await this.http.request({ method: 'GET', path: `${PATH}/${encodeURIComponent(id)}` })).body;
  }
  async create(body: ChurchpadContactWrite): Promise<unknown> {
    return (await this.http.request({ method: 'POST', path: PATH, body })).body;
  }
  /** PATCH of the changed fields only; idempotent (same body, same result). */
  async patch(id: string, body: ChurchpadContactWrite): Promise<unknown> {
    return (
      await this.http.request({ method: 'PATCH', path: `${PATH}/${encodeURIComponent(id)}`, body, idempotent: true })
    ).body;
  }
  async delete(id: string): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `${PATH}/${encodeURIComponent(id)}` });
  }
}
