import {
  type AuthContext,
  type Authenticator,
  authenticate,
  type Principal,
  type SecurityRequest,
} from '@rampart/core';

/** Who a request's credential names, or why it names nobody. */
export type Identification =
  | { readonly auth: AuthContext; readonly failure?: undefined }
  | { readonly auth?: undefined; readonly failure: unknown };

/** Identifies a request without refusing it yet: {@link createIdentify}. */
export type Identify = (request: SecurityRequest) => Promise<Identification>;

/**
 * Authenticates the request's credential (any of the app's authenticators) without refusing yet. The entities routes count every request
 * against the caller's rate limit, a refused one too, so the limit needs to know who asks before
 * the guard answers 401: identify, limit (by principal, or by IP without one), then refuse with
 * the `failure` kept here (the same refusal as the other authenticated routes' guard).
 */
export function createIdentify(authenticators: readonly Authenticator[]): Identify {
  const bearer = authenticate(authenticators, { mode: 'required' });
  return async function identify(request: SecurityRequest): Promise<Identification> {
    try {
      return { auth: await bearer(request) };
    } catch (failure) {
      return { failure };
    }
  };
}

/** The rate-limit principal of a caller: the user (`user:<id>`), whatever proved who it is. */
export function callerPrincipal(auth: AuthContext | undefined): Principal | undefined {
  return auth === undefined ? undefined : { id: auth.userId, kind: 'user' };
}
