/**
 * `@rampart/mfa/express`: the step-up guard for Express. Imports only types from `express`;
 * `req.auth` is core's `AuthContext`, declared by `@rampart/core/express`.
 */
import { type Clock, forwardErrorsSchema, parseOptions, systemClock } from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { checkRecentMfa, stepUpOptionsShape } from './step-up.js';

/** Options of {@link requireRecentMfa}. */
export interface RequireRecentMfaOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
  /** Where "now" comes from; default the system clock. */
  clock?: Clock;
}

const optionsSchema = z.strictObject({ ...stepUpOptionsShape, forwardErrors: forwardErrorsSchema });

/**
 * Middleware for sensitive routes (step-up): lets a request through only when an earlier
 * `authenticate` set `req.auth` and its `mfaAt` (when the user last passed a second factor) is at
 * most `maxAgeSeconds` old. Otherwise 401 `ERR_MFA_STEP_UP_REQUIRED` (with an RFC 9470
 * `WWW-Authenticate` challenge naming `max_age`), or 401 `ERR_AUTH_REQUIRED` without `req.auth`.
 *
 * @example
 * app.delete('/api/v1/account', authenticate([jwtAuthenticator(tokens)]),
 *   requireRecentMfa(300), deleteAccount);
 */
export function requireRecentMfa(
  maxAgeSeconds: number,
  options: RequireRecentMfaOptions = {},
): RequestHandler {
  const parsed = parseOptions('requireRecentMfa', optionsSchema, { ...options, maxAgeSeconds });
  const clock = parsed.clock ?? systemClock;
  return function requireRecentMfaMiddleware(req: Request, res: Response, next: NextFunction) {
    try {
      checkRecentMfa(req.auth, parsed.maxAgeSeconds, clock);
    } catch (error) {
      if (parsed.forwardErrors) next(error);
      else sendProblem(res, error);
      return;
    }
    next();
  };
}
