import { RampartError } from '@rampart/core';

/**
 * Why a token was refused. Never sent to the client (every reason gets the same 401 body, so a
 * client learns nothing about which check failed); kept on the error for logs and carried as
 * the `reason` of the `INVALID_TOKEN` event (whose `code` is `ERR_TOKEN_INVALID`).
 */
export type InvalidTokenReason =
  | 'missing'
  | 'malformed'
  | 'too-large'
  | 'header'
  | 'unknown-key'
  | 'algorithm'
  | 'critical-header'
  | 'type'
  | 'signature'
  | 'claims'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'lifetime'
  | 'revoked'
  | 'unknown-jti'
  /** The store holds the jti for another `sub` or family: a token re-signed with the signing key. */
  | 'binding'
  | 'reused';

/** The one 401 of this package, for every reason a bearer, access or refresh token fails. */
export class InvalidTokenError extends RampartError {
  override readonly name = 'RampartError';
  /** What failed; for the server's logs and events only. */
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason) {
    super({
      status: 401,
      code: 'ERR_TOKEN_INVALID',
      title: 'Unauthorized',
      detail:
        'The token is missing, malformed, expired or revoked. Sign in again or refresh the access token.',
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      headers: {
        'WWW-Authenticate': reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"',
      },
    });
    this.reason = reason;
  }
}

/** True for the 401 this package throws for a refused token. */
export function isInvalidTokenError(error: unknown): error is InvalidTokenError {
  return error instanceof InvalidTokenError;
}
