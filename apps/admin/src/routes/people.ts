import type { AdminContext } from '@contact-sync/admin-ops';
import {
  MergeInput,
  MergeRecordInput,
  MergeRecordView,
  MergeResultView,
  mergeDuplicateRecord,
  mergePeople,
  SplitInput,
  SplitResultView,
  splitPerson,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { IdParams } from './params.ts';

const By = z.string().min(1).max(200).optional();

export const peopleRoutes = (res: AdminContext) => [
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
  defineRoute({
    method: 'POST',
    url: '/api/v1/conflicts/:id/merge',
    tag: 'people',
    summary:
      "Merge these people, for a duplicate in a provider: the second record's values join the person's (`values` edits on top) and flow out; the record stays at its provider, unlinked; what is not kept is reported. `dryRun` shows it and writes nothing",
    params: IdParams,
    body: MergeRecordInput.extend({ by: By }),
    response: MergeRecordView,
    errors: ['not_found', 'conflict'],
    handler: ({ params, body }) => {
      const { by, ...input } = body;
      return mergeDuplicateRecord(res, params.id, input, by ?? 'admin-api');
    },
  }),
];
