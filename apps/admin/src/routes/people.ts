import type { Resources } from '@contact-sync/worker';
import {
  MergeInput,
  MergeResultView,
  mergePeople,
  SplitInput,
  SplitResultView,
  splitPerson,
} from '@contact-sync/worker/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { IdParams } from './params.ts';

const By = z.string().min(1).max(200).optional();

export const peopleRoutes = (res: Resources) => [
  defineRoute({
    method: 'POST',
    url: '/api/v1/people/merge',
    tag: 'people',
    summary:
      'Merge person `from` into `into`: the merged values (the union, `values` edits on top) flow out through the normal push path; every value not kept is reported. `dryRun` shows what it would keep and drop',
    body: MergeInput.extend({ by: By }),
    response: MergeResultView,
    errors: ['not_found', 'conflict'],
    handler: ({ body }) => {
      const { by, ...input } = body;
      return mergePeople(res, input, by ?? 'admin-api');
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/people/:id/split',
    tag: 'people',
    summary:
      'Split records off a person: the records a merge moved bring the merged person back as before (every provider gets back what it held); other records become a new person',
    params: IdParams,
    body: SplitInput.extend({ by: By }),
    response: SplitResultView,
    errors: ['not_found', 'conflict'],
    handler: ({ params, body }) => splitPerson(res, params.id, { links: body.links }, body.by ?? 'admin-api'),
  }),
];
