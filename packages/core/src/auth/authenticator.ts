import type { RampartError } from '../errors/rampart-error.js';
import type { SecurityRequest } from '../request.js';
import type { AuthContext } from './auth-context.js';

/**
 * One kind of credential (a bearer token, a session cookie, an API key) turned into an
 * {@link AuthContext}. Packages export one (`jwtAuthenticator(tokens)` …); `authenticate([...])`
 * composes them.
 *
 * Absence is decided from the request alone, synchronously: a request with no credential of this
 * kind costs no promise. A credential that is present is answered with a promise, because
 * checking it usually reads a store.
 */
export interface Authenticator {
  /** Names the authenticator in logs and error messages: `'jwt'`, `'session'`, `'api-key'`. */
  readonly name: string;
  /**
   * The RFC 9110 challenge sent in `WWW-Authenticate` when a route requires a credential and the
   * request has none (`Bearer`, `ApiKey`). Omitted for credentials without an HTTP scheme, such
   * as a cookie.
   */
  readonly challenge?: string;
  /**
   * `undefined` when the request carries no credential of this kind; otherwise a promise of the
   * identity it proves. A credential that is present but bad rejects (or throws) with a
   * `RampartError` 401, and is never passed on to the next authenticator; a store that cannot
   * answer rejects with `StoreUnavailableError` (503).
   */
  authenticate(request: SecurityRequest): Promise<AuthContext> | undefined;
  /**
   * The refusal to send when a route requires a credential, this is its only authenticator and
   * the request has none, so a package keeps its own code (jwt-nonce: `ERR_TOKEN_INVALID`).
   * Without it, or with several authenticators, the refusal is `ERR_AUTH_REQUIRED`.
   */
  missingCredentialError?(): RampartError;
}
