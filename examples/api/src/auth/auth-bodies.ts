import { z } from 'zod';
import { EMAIL_PATTERN } from '../config.js';
import { normalizeEmail } from '../users/user-store.js';

/** RFC 5321 caps a path at 256 octets, so no deliverable address is longer than 254. */
const MAX_EMAIL = 254;
/**
 * Characters, generous: `@rampart/passwords` refuses over 1024 UTF-8 bytes with its own 400
 * before hashing; this only keeps a megabyte string from reaching the policy at all.
 */
const MAX_PASSWORD_CHARS = 1024;
/** A refresh token is a compact JWT; `@rampart/jwt-nonce` caps them at 8 KiB. */
const MAX_TOKEN_CHARS = 8192;

/** An email as the users store keys it: trimmed, lower-case, and shaped like an address. */
export const emailSchema = z
  .string()
  .max(MAX_EMAIL + 64, `must be at most ${MAX_EMAIL} characters`)
  .transform(normalizeEmail)
  .refine((email) => email.length <= MAX_EMAIL && EMAIL_PATTERN.test(email), {
    message: 'must be an email address',
  });

const passwordSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PASSWORD_CHARS, `must be at most ${MAX_PASSWORD_CHARS} characters`);

/** `POST /api/v1/auth/register` and `/login`: strict, an unknown member is a 400. */
export const credentialsBody = z.strictObject({ email: emailSchema, password: passwordSchema });

/** `POST /api/v1/auth/refresh`. */
export const refreshBody = z.strictObject({
  refreshToken: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_TOKEN_CHARS, `must be at most ${MAX_TOKEN_CHARS} characters`),
});

/** `POST /api/v1/auth/password`: strict; the same password twice changes nothing and is a 400. */
export const passwordChangeBody = z
  .strictObject({ currentPassword: passwordSchema, newPassword: passwordSchema })
  .refine((body) => body.newPassword !== body.currentPassword, {
    message: 'must differ from currentPassword',
    path: ['newPassword'],
  });
