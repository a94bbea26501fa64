/**
 * `@rampart/jwt-nonce/express`: the Express adapter. Imports only types from `express`.
 * `req.auth` is core's `AuthContext`, declared by `@rampart/core/express`.
 */
import { forwardErrorsSchema, parseOptions } from '@rampart/core';
import { type AuthenticateMiddlewareOptions, authenticate } from '@rampart/core/express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { checkedTokens } from './adapter-checks.js';
import type { JwtNonce } from './api.js';
import { jwtAuthenticator } from './authenticator.js';

const optionsSchema = z.strictObject({ forwardErrors: forwardErrorsSchema });

/** Options of {@link requireJwt}. */
export interface RequireJwtOptions extends Pick<AuthenticateMiddlewareOptions, 'forwardErrors'> {}

/**
 * Middleware that lets a request through only with a valid, unrevoked access token in
 * `Authorization: Bearer …` (scheme in any case), and sets `req.auth` (`method: 'jwt'`, `userId`
 * = `sub`, `credentialId` = the token's family). It is `authenticate([jwtAuthenticator(tokens)])`
 * of `@rampart/core/express`. Every failure answers the same 401 problem `ERR_TOKEN_INVALID`
 * with `WWW-Authenticate: Bearer error="invalid_token"` (`Bearer` alone without a token); a store
 * outage answers 503.
 *
 * @example
 * app.get('/api/v1/me', requireJwt(tokens), (req, res) => res.json({ id: req.auth!.userId }));
 */
export function requireJwt(tokens: JwtNonce, options: RequireJwtOptions = {}): RequestHandler {
  checkedTokens('requireJwt', tokens);
  const { forwardErrors } = parseOptions('requireJwt', optionsSchema, options);
  return authenticate([jwtAuthenticator(tokens)], { mode: 'required', forwardErrors });
}
