/**
 * `@rampart/sessions/express`: the Express adapter. Imports only types from `express`.
 * `req.auth` is core's `AuthContext`, declared by `@rampart/core/express`; this entry declares
 * `req.session`.
 */
import { type AuthMode, forwardErrorsSchema, parseOptions } from '@rampart/core';
import { authenticate } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Session, Sessions } from './api.js';
import { checkedSessions, sessionAuthenticator, sessionOf } from './authenticator.js';
import type { CsrfOptions } from './csrf.js';

declare global {
  namespace Express {
    interface Request {
      /** The live session of the request's cookie, set by `sessionMiddleware`; `undefined` without one. */
      session?: Session;
    }
  }
}

/** Options of {@link sessionMiddleware}. */
export interface SessionMiddlewareOptions {
  /** `required` (default): no cookie is a 401 `ERR_AUTH_REQUIRED`. `optional`: it passes without a session. */
  mode?: AuthMode;
  /** The CSRF check of unsafe requests; see `sessionAuthenticator`. Default on. */
  csrf?: CsrfOptions | false;
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const optionsSchema = z.strictObject({
  mode: z
    .enum(['required', 'optional'], { error: "must be 'required' or 'optional'." })
    .default('required'),
  csrf: z.union([z.literal(false), z.record(z.string(), z.unknown())]).default({}),
  forwardErrors: forwardErrorsSchema,
});

/**
 * Middleware that reads the session cookie (a strict parser of the `Cookie` header, no cookie
 * library) and sets `req.session` and `req.auth` (`method: 'session'`). Refusals answer as
 * problems: 400 `ERR_COOKIE_MALFORMED`, 401 `ERR_SESSION_INVALID` / `ERR_SESSION_EXPIRED` /
 * `ERR_SESSION_BINDING`, 403 `ERR_CSRF`, 503 when the store is down. For a route that also takes
 * bearer tokens or API keys, put `sessionAuthenticator(sessions)` in core's `authenticate([...])`
 * instead, and read the session with `sessionOf(req.auth)`.
 *
 * @example
 * app.get('/account', sessionMiddleware(sessions), (req, res) => res.json({ user: req.session!.userId }));
 */
export function sessionMiddleware(
  sessions: Sessions,
  options: SessionMiddlewareOptions = {},
): RequestHandler {
  checkedSessions('sessionMiddleware', sessions);
  const { mode, csrf, forwardErrors } = parseOptions('sessionMiddleware', optionsSchema, options);
  const authenticateSession = authenticate(
    [sessionAuthenticator(sessions, { csrf: csrf as CsrfOptions | false })],
    { mode, forwardErrors },
  );
  return function sessionMiddlewareHandler(req: Request, res: Response, next: NextFunction): void {
    authenticateSession(req, res, (error?: unknown) => {
      if (error === undefined) {
        const session = sessionOf(req.auth);
        if (session !== undefined) req.session = session;
      }
      next(error);
    });
  };
}

export { sessionOf } from './authenticator.js';
