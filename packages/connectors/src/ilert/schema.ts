import { z } from 'zod';

const ContactStatusSchema = z.enum(['OK', 'LOCKED', 'BLACKLISTED']);

/** `GET /users` item (fields from the provider notes; all but `id` optional). */
export const IlertUserSchema = z.object({
  id: z.number().int(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  timezone: z.string().nullish(),
  position: z.string().nullish(),
  department: z.string().nullish(),
  avatarUrl: z.string().nullish(),
  role: z.string().nullish(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
});

/** ContactEmail (OpenAPI). */
export const IlertEmailSchema = z.object({
  id: z.number().int(),
  target: z.string(),
  status: ContactStatusSchema.optional(),
});
export type IlertEmail = z.infer<typeof IlertEmailSchema>;

/** ContactPhoneNumber (OpenAPI); at most one `primary`. */
export const IlertPhoneSchema = z.object({
  id: z.number().int(),
  regionCode: z.string().nullish(),
  target: z.string(),
  primary: z.boolean().optional(),
  status: ContactStatusSchema.optional(),
});
export type IlertPhone = z.infer<typeof IlertPhoneSchema>;

/** A user with its contact methods: the one record the connector projects. */
export const IlertPersonSchema = z.object({
  user: IlertUserSchema,
  emails: z.array(IlertEmailSchema),
  phones: z.array(IlertPhoneSchema),
});
export type IlertPerson = z.infer<typeof IlertPersonSchema>;

export interface IlertEmailWrite {
  target: string;
}
export interface IlertPhoneWrite {
  regionCode: string;
  target: string;
  primary: boolean;
}
