import { normalizePhone } from '@contact-sync/core';
import type { AdminContext } from '../context.ts';
import { AdminOpError } from './views.ts';

export interface PersonHit {
  canonicalId: string;
  displayName: string | null;
  emails: string[];
  phones: string[];
  /** The connections the person has a record in. */
  connections: string[];
}

/** `%` and `_` are literal in the query, not wildcards. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * People by name, e-mail or phone, for the review page's person view: a name or e-mail matches
 * anywhere, case-insensitively; a phone by its digits (any notation) or as E.164. Live people
 * only (not deleted, not merged into another), by display name.
 */
export async function searchPeople(res: AdminContext, query: string, limit = 20): Promise<{ items: PersonHit[] }> {
  const q = query.trim();
  if (q.length < 2) throw new AdminOpError('invalid', 'q: at least 2 characters (a name, an e-mail or a phone)');
  const like = `%${likeEscape(q)}%`;
  const digits = q.replace(/\D/g, '');
  const phoneLike = digits.length >= 4 && /^[\d\s+().-]+$/.test(q) ? `%${digits.replace(/^0+/, '')}%` : null;
  const e164 = phoneLike ? normalizePhone(q).value : null;
  const rows = await res.prisma.$queryRaw<{ id: string; data: Record<string, unknown>; connections: string[] }[]>`
    SELECT c.id::text AS id, c.data,
      COALESCE((SELECT array_agg(DISTINCT l."connectionId") FROM links l WHERE l."canonicalId" = c.id), '{}') AS connections
    FROM canonical_contacts c
    WHERE c."deletedAt" IS NULL AND c."mergedIntoId" IS NULL AND (
      c.data->>'displayName' ILIKE ${like}
      OR concat_ws(' ', c.data->>'givenName', c.data->>'middleName', c.data->>'familyName') ILIKE ${like}
      OR c.id IN (
        SELECT k."canonicalId" FROM canonical_keys k
        WHERE (k.kind = 'email' AND k.value ILIKE ${like})
           OR (k.kind = 'phone' AND (k.value = ${e164} OR (${phoneLike}::text IS NOT NULL AND k.value LIKE ${phoneLike})))))
    ORDER BY c.data->>'displayName' NULLS LAST, c.id
    LIMIT ${limit}`;
  const values = (v: unknown) => (Array.isArray(v) ? v.map((e) => String((e as { value: unknown }).value)) : []);
  return {
    items: rows.map((r) => ({
      canonicalId: r.id,
      displayName: (r.data.displayName as string | null | undefined) ?? null,
      emails: values(r.data.emails),
      phones: values(r.data.phones),
      connections: r.connections,
    })),
  };
}
