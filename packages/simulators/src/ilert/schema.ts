import { z } from 'zod';
import { EMAIL_RE } from '../shared/time.ts';

const CONTACT_STATUSES = ['OK', 'LOCKED', 'BLACKLISTED'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];
const ROLES = ['STAKEHOLDER', 'GUEST', 'RESPONDER', 'USER', 'ADMIN'] as const;

export interface IlertUser {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  timezone: string;
  position: string | null;
  department: string | null;
  avatarUrl: string | null;
  role: (typeof ROLES)[number];
  createdAt: string;
  updatedAt: string;
}
export interface IlertEmail {
  id: number;
  target: string;
  status: ContactStatus;
}
export interface IlertPhone {
  id: number;
  regionCode: string;
  target: string;
  primary: boolean;
  status: ContactStatus;
}

// `id` and `status` are read-only: accepted in a body and ignored (assumed).
const readOnly = { id: z.unknown().optional(), status: z.unknown().optional() };

export const EmailPostSchema = z.object({
  ...readOnly,
  target: z.string().trim().min(1, 'target must not be empty').regex(EMAIL_RE, 'target is not a valid email address'),
});
export const EmailPutSchema = EmailPostSchema.partial();

const phoneTarget = z
  .string()
  .trim()
  .min(1, 'target must not be empty')
  .regex(/^\+?[0-9 ()./-]+$/, 'target is not a valid phone number')
  .refine((s) => {
    const digits = s.replace(/\D/g, '').length;
    return digits >= 5 && digits <= 15;
  }, 'target is not a valid phone number');

export const PhonePostSchema = z.object({
  ...readOnly,
  regionCode: z.string().regex(/^[A-Z]{2}$/, 'regionCode must be an ISO 3166-1 alpha-2 code'),
  target: phoneTarget,
  primary: z.boolean().optional(),
});
export const PhonePutSchema = PhonePostSchema.partial();

export const UserWriteSchema = z.object({
  id: z.unknown().optional(),
  firstName: z.string().min(1, 'firstName must not be empty'),
  lastName: z.string().min(1, 'lastName must not be empty'),
  email: z.string().regex(EMAIL_RE, 'email is not a valid email address'),
  timezone: z.string().optional(),
  position: z.string().nullable().optional(),
  department: z.string().nullable().optional(),
  role: z.enum(ROLES).optional(),
  // Pre-2023 schema: present → the user's contacts are reset (the documented gotcha).
  mobile: z.unknown().optional(),
  landline: z.unknown().optional(),
});
