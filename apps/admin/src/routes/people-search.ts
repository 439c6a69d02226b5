import type { AdminContext } from '@contact-sync/admin-ops';
import { searchPeople } from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { Text } from './params.ts';

const PersonHitView = z.object({
  canonicalId: z.string(),
  displayName: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  connections: z.array(z.string()),
});

/** The review page's person search: by name, e-mail or phone. */
export const peopleSearchRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/people/search',
    tag: 'people',
    summary: 'People by name, e-mail or phone (a name or e-mail anywhere, case-insensitive; a phone by its digits)',
    query: z.strictObject({
      q: Text.min(2, 'at least 2 characters (a name, an e-mail or a phone)').max(200),
      limit: z
        .string()
        .regex(/^[0-9]{1,2}$/, 'a decimal integer from 1 to 50')
        .transform(Number)
        .pipe(z.number().int().min(1).max(50))
        .default(20),
    }),
    response: z.object({ items: z.array(PersonHitView) }),
    handler: ({ query }) => searchPeople(res, query.q, query.limit),
  }),
];
