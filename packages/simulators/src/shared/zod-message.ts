import type { z } from 'zod';

/** One line naming each failing field: `target: must not be empty; primary: ...`. */
export function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
