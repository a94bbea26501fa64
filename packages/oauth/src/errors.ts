import { RampartError } from '@rampart/core';

/**
 * Why a callback was refused, for the `LOGIN_FAILURE` event only: the client always sees the
 * same `ERR_OAUTH_CALLBACK`, never the provider's error or which check failed.
 */
export type CallbackFailureReason =
  | 'provider-error'
  | 'malformed-callback'
  | 'state-missing'
  | 'state-invalid'
  | 'state-expired'
  | 'state-mismatch'
  | 'state-replayed'
  | 'code-exchange-failed'
  | 'id-token-invalid'
  | 'nonce-mismatch'
  | 'profile-unavailable'
  | 'email-unverified'
  | 'already-linked';

/** A refused callback, carrying its reason to the event; rendered as {@link oauthCallbackError}. */
export class CallbackFailure extends Error {
  override readonly name = 'CallbackFailure';
  constructor(readonly reason: CallbackFailureReason) {
    super(`OAuth callback refused: ${reason}`);
  }
}

/** The one answer to every refused callback: 400 `ERR_OAUTH_CALLBACK`. */
export function oauthCallbackError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_OAUTH_CALLBACK',
    title: 'Sign-in failed',
    detail: 'The sign-in with the provider could not be completed. Start it again from the app.',
  });
}

/** 409 `ERR_OAUTH_LAST_LOGIN`: unlinking the provider would leave the user no way to sign in. */
export function lastLoginError(): RampartError {
  return new RampartError({
    status: 409,
    code: 'ERR_OAUTH_LAST_LOGIN',
    title: 'Last way to sign in',
    detail:
      'This provider is the account’s only way to sign in. Set a password or link another provider first.',
  });
}
