import { type Canonical, emptyCanonical, type Projection, ProjectionSchema } from '@contact-sync/core';

/**
 * JSON columns that hold core types, parsed at the store's boundary with the core's schema so
 * callers get typed values instead of `unknown`. Off the hot paths (batch reads, ingestion):
 * those keep their raw reads.
 */

/** A canonical record's `data`: every field present (a stored record may omit empty ones). */
export const canonicalOf = (data: unknown): Canonical => ({
  ...emptyCanonical(),
  ...ProjectionSchema.parse(data ?? {}),
});

/** A provider's projection (a snapshot's, a link's base). */
export const projectionOf = (data: unknown): Projection => ProjectionSchema.parse(data ?? {});

/** A projection column that may be empty (a link written before its first push has no base). */
export const projectionOrNull = (data: unknown): Projection | null =>
  data === null || data === undefined ? null : projectionOf(data);
