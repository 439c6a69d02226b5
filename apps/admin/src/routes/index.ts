import type { Resources } from '@contact-sync/engine';
import type { RouteDef } from '../route.ts';
import type { SessionStore } from '../sessions.ts';
import { conflictRoutes } from './conflicts.ts';
import { conflictBulkRoutes } from './conflicts-bulk.ts';
import { connectionRoutes } from './connections.ts';
import { heldChangeRoutes } from './held-changes.ts';
import { heldDeleteRoutes } from './held-deletes.ts';
import { ledgerRoutes } from './ledger.ts';
import { opRoutes } from './ops.ts';
import { peopleRoutes } from './people.ts';
import { peopleSearchRoutes } from './people-search.ts';
import { planRoutes } from './plans.ts';
import { runRoutes } from './runs.ts';
import { sessionRoutes } from './session.ts';

/** Every route of the admin API under /api/v1 (each validated and documented from its zod schemas). */
export const apiRoutes = (res: Resources, sessions: SessionStore): RouteDef[] => [
  ...connectionRoutes(res),
  ...conflictBulkRoutes(res),
  ...conflictRoutes(res),
  ...heldDeleteRoutes(res),
  ...heldChangeRoutes(res),
  ...opRoutes(res),
  ...planRoutes(res),
  ...peopleRoutes(res),
  ...runRoutes(res),
  ...ledgerRoutes(res),
  ...peopleSearchRoutes(res),
  ...sessionRoutes(sessions),
];
