import type { z } from 'zod';

/** `path.to.field: message; …` — precise enough to fix the record by hand. */
export const formatZodError = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
