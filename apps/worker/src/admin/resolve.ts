import type { Resources } from '../resources.ts';
import { AdminOpError, type ConflictView, type Decision } from './views.ts';

/** Resolves one conflict; the decision goes out through the normal push path. */
export async function resolveConflict(
  res: Resources,
  id: string,
  decision: Decision,
  by?: string,
): Promise<{ conflict: ConflictView; opsEnqueued: number }> {
  void res;
  void id;
  void decision;
  void by;
  throw new AdminOpError('invalid', 'not implemented yet');
}
