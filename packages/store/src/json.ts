import type { Prisma } from './generated/prisma/client.ts';

/**
 * Plain data as a text parameter for `$1::jsonb`. Postgres' jsonb refuses two things that
 * JavaScript strings can hold and providers do send: NUL (\u0000) and lone UTF-16
 * surrogates. Both become U+FFFD here, so one bad character cannot sink a whole page.
 */
export const jsonParam = (value: unknown): string => {
  const text = JSON.stringify(value);
  // JSON.stringify writes \u only for control characters and lone surrogates: most texts have none,
  // and the search for one costs far less than the replace's scan (~80 MB of them in an initial sync of 10k).
  if (!text.includes('\\u')) return text;
  return text.replace(/(\\+)u(0000|d[89a-f][0-9a-f]{2})/gi, (m, slashes: string) =>
    slashes.length % 2 === 1 ? `${slashes.slice(1)}\\ufffd` : m,
  );
};

/** Plain data as a Prisma JSON input, made storable the same way. */
export const toJson = (value: unknown): Prisma.InputJsonValue => JSON.parse(jsonParam(value ?? null));
