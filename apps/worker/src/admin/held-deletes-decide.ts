import type { Resources } from '../resources.ts';
import { AdminOpError, type HeldDeleteSelection } from './views.ts';

/** Confirms or rejects held deletes. */
export async function decideHeldDeletes(
  res: Resources,
  selection: HeldDeleteSelection,
): Promise<{ decided: number; opsEnqueued: number }> {
  void res;
  void selection;
  throw new AdminOpError('invalid', 'not implemented yet');
}
