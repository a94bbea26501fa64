import {
  type AuthContext,
  type Authenticator,
  createAuthContext,
  type SecurityRequest,
} from '@rampart/core';
import { checkedTokens } from './adapter-checks.js';
import type { JwtAuth, JwtNonce } from './api.js';
import { InvalidTokenError } from './errors.js';

/** The verified token behind each context this package made; nothing else can be found here. */
const verifiedTokens = new WeakMap<AuthContext, JwtAuth>();

/** A request that sends `Authorization:` with nothing in it sends no credential. */
const BLANK = /^[ \t]*$/;

/**
 * The claim an app puts in the access tokens it issues after a second factor (`@rampart/mfa`'s
 * challenge): when it passed, in epoch milliseconds. It becomes the context's `mfaAt`, which
 * `requireRecentMfa` reads.
 */
export const MFA_AT_CLAIM = 'mfa_at';

/** `mfa_at` when it is a time a factor could have passed at: a non-negative safe integer. */
function mfaAtOf(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}

function toAuthContext(token: JwtAuth): AuthContext {
  const role = token.payload.role;
  const mfaAt = mfaAtOf(token.payload[MFA_AT_CLAIM]);
  const context = createAuthContext({
    userId: token.sub,
    method: 'jwt',
    credentialId: token.fam,
    ...(typeof role === 'string' && role !== '' ? { role } : {}),
    ...(mfaAt === undefined ? {} : { mfaAt }),
  });
  verifiedTokens.set(context, token);
  return context;
}

/**
 * The bearer-token authenticator for core's `authenticate([...])`. Its credential is the
 * `Authorization` header: absent (or blank) is no credential; anything else in it — a bad, expired
 * or revoked token, another scheme, the header sent twice — is refused with the same 401
 * `ERR_TOKEN_INVALID` (`WWW-Authenticate: Bearer error="invalid_token"`) and never handed to the
 * next authenticator. A valid access token becomes an `AuthContext` with `method: 'jwt'`,
 * `userId` = `sub`, `credentialId` = the refresh family (`fam`), `role` = the token's `role`
 * claim when it is a string, and `mfaAt` = its `mfa_at` claim (epoch ms) when it is one.
 *
 * @example
 * app.get('/api/v1/me', authenticate([jwtAuthenticator(tokens), apiKeys]), handler);
 */
export function jwtAuthenticator(tokens: JwtNonce): Authenticator {
  checkedTokens('jwtAuthenticator', tokens);
  return Object.freeze({
    name: 'jwt',
    challenge: 'Bearer',
    authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
      const authorization = request.headers.authorization;
      if (authorization === undefined) return undefined;
      if (typeof authorization === 'string' && BLANK.test(authorization)) return undefined;
      return tokens.authenticate(authorization).then(toAuthContext);
    },
    // RFC 6750 §3.1: no error code when the request carried no token at all.
    missingCredentialError: () => new InvalidTokenError('missing'),
  });
}

/**
 * The verified access token behind a context that {@link jwtAuthenticator} made (its `jti`,
 * `iss`, `exp`, claims …), for `tokens.logout(…)`; `undefined` for any other context — a session's,
 * an API key's, or an object built by hand, which cannot pass for a verified token.
 *
 * @example
 * await tokens.logout(accessTokenOf(req.auth)!);
 */
export function accessTokenOf(auth: AuthContext | undefined): JwtAuth | undefined {
  return auth === undefined ? undefined : verifiedTokens.get(auth);
}
