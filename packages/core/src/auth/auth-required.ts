import { z } from 'zod';
import { RampartConfigError } from '../errors/configuration-error.js';
import { RampartError } from '../errors/rampart-error.js';

/** An RFC 9110 challenge: an auth-scheme token, then optional printable parameters. */
const CHALLENGE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?: [\x20-\x7e]+)?$/;

const CHALLENGE_RULE =
  "must be an RFC 9110 challenge such as 'Bearer' or 'Bearer realm=\"api\"' (printable ASCII, at most 256 characters).";

/** Throws naming `option` unless `value` is a challenge that can go into `WWW-Authenticate`. */
export function checkChallenge(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 256 || !CHALLENGE.test(value)) {
    throw new RampartConfigError(option, CHALLENGE_RULE);
  }
  return value;
}

/** The `challenges` option of `requireAuth`: challenges for `WWW-Authenticate`, default none. */
export const challengesSchema = z
  .array(
    z
      .string({ error: CHALLENGE_RULE })
      .max(256, { error: CHALLENGE_RULE })
      .regex(CHALLENGE, { error: CHALLENGE_RULE }),
    {
      error: "must be an array such as ['Bearer'].",
    },
  )
  .readonly()
  .default([]);

/**
 * The 401 for a request without a credential on a route that requires one. `challenges` go into
 * one `WWW-Authenticate` header (RFC 9110 §11.6.1), which is left out when there is none (a
 * cookie has no HTTP scheme).
 *
 * @example
 * throw authRequiredError(['Bearer']);
 */
export function authRequiredError(challenges: readonly string[] = []): RampartError {
  return new RampartError({
    status: 401,
    code: 'ERR_AUTH_REQUIRED',
    title: 'Unauthorized',
    detail: 'This route requires authentication. Send a valid credential with the request.',
    ...(challenges.length > 0 ? { headers: { 'WWW-Authenticate': challenges.join(', ') } } : {}),
  });
}
