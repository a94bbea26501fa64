import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { forwardErrorsSchema, parseOptions } from '../config.js';
import { isRampartError } from '../errors/rampart-error.js';
import { toSecurityRequest } from '../express/security-request.js';
import { sendProblem } from '../express/send-problem.js';
import type { AuthContext } from './auth-context.js';
import { authRequiredError, challengesSchema } from './auth-required.js';
import {
  type AuthenticateOptions,
  authenticateOptionsShape,
  compileAuthentication,
} from './authenticate.js';
import type { Authenticator } from './authenticator.js';

/** Options of the Express `authenticate` middleware. */
export interface AuthenticateMiddlewareOptions extends AuthenticateOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

/** Options of the Express `requireAuth` middleware. */
export interface RequireAuthOptions {
  /** Challenges for `WWW-Authenticate` on the 401 (`['Bearer']`). Default: none. */
  challenges?: readonly string[];
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const authenticateOptionsSchema = z.strictObject({
  ...authenticateOptionsShape,
  forwardErrors: forwardErrorsSchema,
});
const requireAuthOptionsSchema = z.strictObject({
  challenges: challengesSchema,
  forwardErrors: forwardErrorsSchema,
});

/** Refusals as problems (or to `next` when asked); anything else to `next`, to be logged. */
function refuser(forwardErrors: boolean, res: Response, next: NextFunction) {
  return function refuse(error: unknown): void {
    if (forwardErrors || !isRampartError(error)) next(error);
    else sendProblem(res, error);
  };
}

/**
 * Express middleware that runs the authenticators in order and sets `req.auth` to the
 * `AuthContext` of the first credential the request carries. A credential that is present but
 * bad is refused at once (401, never passed to the next authenticator); with none, a `'required'`
 * route (the default) answers 401 `ERR_AUTH_REQUIRED` (or the only authenticator's own code) and
 * an `'optional'` one passes with `req.auth` undefined. A store outage is a 503.
 *
 * @example
 * app.get('/api/v1/me', authenticate([jwtAuthenticator(tokens)]), (req, res) =>
 *   res.json({ id: req.auth!.userId }));
 */
export function authenticate(
  authenticators: readonly Authenticator[],
  options: AuthenticateMiddlewareOptions = {},
): RequestHandler {
  const { mode, forwardErrors } = parseOptions('authenticate', authenticateOptionsSchema, options);
  const compiled = compileAuthentication('authenticate', authenticators, mode);

  return function authenticateMiddleware(req: Request, res: Response, next: NextFunction): void {
    const refuse = refuser(forwardErrors, res, next);
    function accept(auth: AuthContext | undefined): void {
      // An optional route without a credential leaves req.auth as it was.
      if (auth !== undefined) req.auth = auth;
      next();
    }
    let outcome: AuthContext | undefined | Promise<AuthContext | undefined>;
    try {
      outcome = compiled.run(toSecurityRequest(req));
    } catch (error) {
      refuse(error);
      return;
    }
    if (outcome instanceof Promise) outcome.then(accept, refuse);
    else accept(outcome);
  };
}

/**
 * Express middleware that lets a request through only when an earlier `authenticate` set
 * `req.auth`; otherwise 401 `ERR_AUTH_REQUIRED`. For an app that authenticates every route
 * optionally and requires it on some.
 *
 * @example
 * app.use(authenticate([jwtAuthenticator(tokens)], { mode: 'optional' }));
 * app.post('/api/v1/orders', requireAuth({ challenges: ['Bearer'] }), createOrder);
 */
export function requireAuth(options: RequireAuthOptions = {}): RequestHandler {
  const { challenges, forwardErrors } = parseOptions(
    'requireAuth',
    requireAuthOptionsSchema,
    options,
  );

  return function requireAuthMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (req.auth !== undefined) next();
    else refuser(forwardErrors, res, next)(authRequiredError(challenges));
  };
}
