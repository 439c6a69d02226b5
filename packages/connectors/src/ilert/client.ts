import { z } from 'zod';
import type { ErrorDetails } from '../shared/classify.ts';
import { messageOf } from '../shared/classify.ts';
import { HttpClient } from '../shared/http.ts';
import { transportOptions } from '../shared/options.ts';
import { parseEnvelope } from '../shared/parse.ts';
import type { ConnectorConfig } from '../types.ts';
import type { IlertEmailWrite, IlertPhoneWrite } from './schema.ts';

const PAGE_SIZE = 100;
const ArraySchema = z.array(z.unknown());

/** `{status, message, code}`; no field is named, so the field is guessed from the message. */
export const describeError = (_status: number, body: unknown, text: string): ErrorDetails => {
  const message = messageOf(body, text, ['message', 'code']);
  const field = /regionCode/i.test(message)
    ? 'regionCode'
    : /primary/i.test(message)
      ? 'primary'
      : /target|email|phone|number/i.test(message)
        ? 'target'
        : null;
  return { message, field };
};

type Kind = 'emails' | 'phone-numbers';

/** HTTP only: `Authorization: Bearer <key>`, start-index/max-results pages of bare arrays. */
export class IlertClient {
  readonly http: HttpClient;
  constructor(config: ConnectorConfig) {
    this.http = new HttpClient({
      provider: 'ilert',
      ...transportOptions(config),
      headers: { authorization: `Bearer ${config.credential}` },
      describeError,
    });
  }

  /** Raw users page by page; a page shorter than PAGE_SIZE is the last (no total is given). */
  async *userPages(signal?: AbortSignal): AsyncGenerator<unknown[]> {
    for await (const page of this.userPagesFrom(0, signal)) if (page.users.length > 0) yield page.users;
  }

  /**
   * Pages from the user index `start` on, each with the index of the next page (null after the
   * last: a page shorter than PAGE_SIZE). ilert gives no total, so a shift under the read is not seen.
   */
  async *userPagesFrom(start: number, signal?: AbortSignal): AsyncGenerator<{ users: unknown[]; next: number | null }> {
    for (let at = start; ; at += PAGE_SIZE) {
      const res = await this.http.request({
        method: 'GET',
        path: '/users',
        query: { 'start-index': at, 'max-results': PAGE_SIZE },
        ...(signal ? { signal } : {}),
      });
      const users = parseEnvelope('ilert', 'users page', ArraySchema, res.body);
      const last = users.length < PAGE_SIZE;
      yield { users, next: last ? null : at + PAGE_SIZE };
      if (last) return;
    }
  }

  async user(id: string): Promise<unknown> {
    return (await this.http.request({ method: 'GET', path: `/users/${encodeURIComponent(id)}` })).body;
  }
  /** A user's emails or phone numbers (no paging parameters). */
  async contacts(userId: string, kind: Kind, signal?: AbortSignal): Promise<unknown[]> {
    const res = await this.http.request({
      method: 'GET',
      path: `/users/${encodeURIComponent(userId)}/contacts/${kind}`,
      ...(signal ? { signal } : {}),
    });
    return parseEnvelope('ilert', `${kind} of user ${userId}`, ArraySchema, res.body);
  }
  async addContact(userId: string, kind: Kind, body: IlertEmailWrite | IlertPhoneWrite): Promise<unknown> {
    return (
      await this.http.request({ method: 'POST', path: `/users/${encodeURIComponent(userId)}/contacts/${kind}`, body })
    ).body;
  }
  async putContact(userId: string, kind: Kind, id: number, body: IlertEmailWrite | IlertPhoneWrite): Promise<unknown> {
    return (
      await this.http.request({
        method: 'PUT',
        path: `/users/${encodeURIComponent(userId)}/contacts/${kind}/${id}`,
        body,
      })
    ).body;
  }
  async deleteContact(userId: string, kind: Kind, id: number): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/users/${encodeURIComponent(userId)}/contacts/${kind}/${id}` });
  }
}
