import type { Keyset } from '@contact-sync/store';
import type { z } from 'zod';
import { AdminOpError, type Page } from './views.ts';

/**
 * Keyset pagination, newest first: a cursor is the (timestamp, id) of the last item of a
 * page, so a page is one index range scan however deep, and rows added meanwhile do not
 * shift the pages after it.
 */
const encodeCursor = (k: Keyset): string =>
  Buffer.from(JSON.stringify([k.at.toISOString(), k.id])).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are uuid columns: anything else is answered as not found or invalid before it reaches Postgres. */
export const isUuid = (id: string): boolean => UUID.test(id);

export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(String(at));
    if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id) || Number.isNaN(date.getTime()))
      throw new Error('shape');
    return { at: date, id };
  } catch {
    throw new AdminOpError('invalid', 'cursor: not a cursor returned by a previous page');
  }
}

export function pageOf<R extends { id: string }, V>(
  rows: R[],
  limit: number,
  at: (r: R) => Date,
  view: (r: R) => V,
): Page<V> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items: items.map(view), nextCursor: more && last ? encodeCursor({ at: at(last), id: last.id }) : null };
}

/** Parses admin input; a bad value is an `invalid` error naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const msg = r.error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`)
    .join('; ');
  throw new AdminOpError('invalid', msg);
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
