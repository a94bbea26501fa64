import { z } from 'zod';

/**
 * A code as sent: a string of bounded length. Its format (six ASCII digits, or a recovery code
 * where one is accepted) is `@rampart/mfa`'s to check: anything else is its 400
 * `ERR_MFA_CODE_MALFORMED`.
 */
const codeSchema = z.string().max(64, 'must be at most 64 characters');

/** `POST /api/v1/auth/mfa/enable`, `/disable`, `/recovery-codes`. */
export const codeBody = z.strictObject({ code: codeSchema });

/** `POST /api/v1/auth/mfa/challenge`. */
export const challengeBody = z.strictObject({
  mfaToken: z.string().max(128, 'must be at most 128 characters'),
  code: codeSchema,
});
