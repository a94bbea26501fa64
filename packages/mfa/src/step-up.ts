import { type AuthContext, authRequiredError, type Clock, clockSchema } from '@rampart/core';
import { z } from 'zod';
import { stepUpRequiredError } from './errors.js';

/** The options both `requireRecentMfa` adapters take, with `maxAgeSeconds` beside them. */
export const stepUpOptionsShape = {
  maxAgeSeconds: z
    .number({ error: 'must be a whole number of seconds from 1 to 86400, e.g. 300.' })
    .int()
    .min(1)
    .max(86_400),
  clock: clockSchema.optional(),
};

/**
 * The step-up rule, framework-neutral: `auth` must exist (else 401 `ERR_AUTH_REQUIRED`) and
 * carry an `mfaAt` no older than `maxAgeSeconds` by `clock` (else 401 `ERR_MFA_STEP_UP_REQUIRED`).
 * An `mfaAt` in the future (clock skew between servers) counts as now.
 */
export function checkRecentMfa(
  auth: AuthContext | undefined,
  maxAgeSeconds: number,
  clock: Clock,
): void {
  if (auth === undefined) throw authRequiredError();
  if (auth.mfaAt === undefined || clock.now() - auth.mfaAt > maxAgeSeconds * 1000) {
    throw stepUpRequiredError(maxAgeSeconds);
  }
}
