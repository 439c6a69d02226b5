import { normalizePhone } from '@contact-sync/core';
import { searchPeopleRows } from '@contact-sync/store';
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
  const rows = await searchPeopleRows(res.prisma, { like, e164, phoneLike, limit });
  return {
    items: rows.map((r) => ({
      canonicalId: r.id,
      displayName: r.data.displayName,
      emails: r.data.emails.map((e) => e.value),
      phones: r.data.phones.map((e) => e.value),
      connections: r.connections,
    })),
  };
}
