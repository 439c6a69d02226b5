import type { Prisma } from './generated/prisma/client.ts';

/** Plain data (from zod-parsed or core-produced values) as a Prisma JSON input. */
export const toJson = (value: unknown): Prisma.InputJsonValue => value as Prisma.InputJsonValue;
