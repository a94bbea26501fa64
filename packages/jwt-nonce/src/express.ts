/**
 * `@rampart/jwt-nonce/express`: the Express adapter. Imports only types from `express`.
 */
import { assertKnownOptions, RampartConfigError } from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { checkedTokens } from './adapter-checks.js';
import type { JwtAuth, JwtNonce } from './api.js';
import { authorizationHeader } from './bearer.js';

declare global {
  // Express's own request type is extended through this global namespace.
  namespace Express {
    interface Request {
      /** The verified access token, set by `requireJwt()`. */
      auth?: JwtAuth;
    }
  }
}

/** Options of {@link requireJwt}. */
export interface RequireJwtOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

/**
 * Middleware that lets a request through only with a valid, unrevoked access token in
 * `Authorization: Bearer …` (scheme in any case), and sets `req.auth`. Every failure answers the
 * same 401 problem with `WWW-Authenticate: Bearer error="invalid_token"`; a store outage
 * answers 503.
 *
 * @example
 * app.get('/api/v1/me', requireJwt(tokens), (req, res) => res.json({ id: req.auth!.sub }));
 */
export function requireJwt(tokens: JwtNonce, options: RequireJwtOptions = {}): RequestHandler {
  checkedTokens('requireJwt', tokens);
  assertKnownOptions('requireJwt', options, ['forwardErrors']);
  if (options.forwardErrors !== undefined && typeof options.forwardErrors !== 'boolean') {
    throw new RampartConfigError('requireJwt.forwardErrors', 'must be true or false.');
  }
  const forwardErrors = options.forwardErrors === true;
  return function requireJwtMiddleware(req: Request, res: Response, next: NextFunction): void {
    tokens.authenticate(authorizationHeader(req.rawHeaders)).then(
      (auth) => {
        req.auth = auth;
        next();
      },
      (error: unknown) => {
        if (forwardErrors) next(error);
        else sendProblem(res, error);
      },
    );
  };
}
