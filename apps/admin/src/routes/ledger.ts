import type { AdminContext } from '@contact-sync/admin-ops';
import {
  explainPerson,
  PersonExplanationView,
  PersonHistoryView,
  PruneResultView,
  personHistory,
  pruneLedgerOlderThan,
  UndoResultView,
  undoDecision,
  undoRun,
} from '@contact-sync/admin-ops';
import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { IdParams, Text } from './params.ts';

const UndoBody = z.strictObject({ dryRun: z.boolean().default(false), by: Text.min(1).max(200).optional() });

/** A person by canonical id, e-mail or phone. */
const PersonParams = z.strictObject({ id: Text.min(1).max(320) });

export const ledgerRoutes = (res: AdminContext) => [
  defineRoute({
    method: 'GET',
    url: '/api/v1/people/:id/history',
    tag: 'people',
    summary:
      "A person's timeline (id, e-mail or phone), newest first: canonical changes with their cause, provider writes with their outcome",
    params: PersonParams,
    query: z.strictObject({
      limit: z
        .string()
        .regex(/^[0-9]{1,4}$/)
        .transform(Number)
        .pipe(z.number().int().min(1).max(5000))
        .default(200),
    }),
    response: PersonHistoryView,
    errors: ['not_found', 'conflict'],
    handler: ({ params, query }) => personHistory(res, params.id, query.limit),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/v1/people/:id/explain',
    tag: 'people',
    summary:
      'Why a person looks as they do: linked records (snapshot, base), canonical record, unfinished ops, conflicts, quarantine, and per field the reason a provider differs',
    params: PersonParams,
    response: PersonExplanationView,
    errors: ['not_found', 'conflict'],
    handler: ({ params }) => explainPerson(res, params.id),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/runs/:id/undo',
    tag: 'runs',
    summary:
      'Undo a run: each field it changed goes back unless changed since (then an open conflict); dryRun plans only',
    params: IdParams,
    body: UndoBody,
    response: UndoResultView,
    errors: ['not_found'],
    handler: ({ params, body }) => undoRun(res, params.id, { dryRun: body.dryRun, by: body.by ?? 'admin-api' }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/decisions/:id/undo',
    tag: 'ledger',
    summary:
      "Undo one admin decision (a conflict's or held change set's id): each field it changed goes back unless changed since (then an open conflict); dryRun plans only",
    params: IdParams,
    body: UndoBody,
    response: UndoResultView,
    errors: ['not_found', 'conflict'],
    handler: ({ params, body }) => undoDecision(res, params.id, { dryRun: body.dryRun, by: body.by ?? 'admin-api' }),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/v1/ledger/prune',
    tag: 'ledger',
    summary: 'Delete change-ledger rows older than an age (90d, 12h, 30m)',
    body: z.strictObject({ olderThan: z.string().regex(/^\d{1,6}[dhm]$/, 'an age like 90d, 12h or 30m') }),
    response: PruneResultView,
    handler: ({ body }) => pruneLedgerOlderThan(res, body.olderThan),
  }),
];
