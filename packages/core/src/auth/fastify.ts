import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { isRampartError } from '../errors/rampart-error.js';
import { toSecurityRequest } from '../fastify/security-request.js';
import { sendProblem } from '../fastify/send-problem.js';
import { authRequiredError, challengesSchema } from './auth-required.js';
import {
  type AuthenticateOptions,
  authenticateOptionsShape,
  compileAuthentication,
} from './authenticate.js';
import type { Authenticator } from './authenticator.js';

/** A route-level hook of `@rampart/core/fastify`: `{ preHandler: authenticate([...]) }`. */
export type AuthPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const authenticateOptionsSchema = z.strictObject(authenticateOptionsShape);
const requireAuthOptionsSchema = z.strictObject({ challenges: challengesSchema });

/** Options of the Fastify `requireAuth` preHandler. */
export interface RequireAuthPreHandlerOptions {
  /** Challenges for `WWW-Authenticate` on the 401 (`['Bearer']`). Default: none. */
  challenges?: readonly string[];
}

/**
 * Declares `request.auth` on `fastify` (its initial value `undefined`, as on an Express request
 * no authenticator touched) unless it is declared already: `rampartCore` and every plugin that
 * sets it call this, in any order, and only the first declares it.
 *
 * @example
 * async function myAuthPlugin(fastify) { decorateAuth(fastify); … }
 */
export function decorateAuth(fastify: FastifyInstance): void {
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
}

/**
 * A Fastify `preHandler` (or `onRequest` hook) that runs the authenticators in order and sets
 * `request.auth` to the `AuthContext` of the first credential the request carries. A credential
 * that is present but bad is refused at once (401, never passed to the next authenticator); with
 * none, a `'required'` route (the default) answers 401 `ERR_AUTH_REQUIRED` (or the only
 * authenticator's own code) and an `'optional'` one passes with `request.auth` undefined. A
 * store outage is a 503; an error that is no `RampartError` goes to the error handler.
 *
 * @example
 * app.get('/api/v1/me', { preHandler: authenticate([jwtAuthenticator(tokens)]) },
 *   async (request) => ({ id: request.auth!.userId }));
 */
export function authenticate(
  authenticators: readonly Authenticator[],
  options: AuthenticateOptions = {},
): AuthPreHandler {
  const { mode } = parseOptions('authenticate', authenticateOptionsSchema, options);
  const compiled = compileAuthentication('authenticate', authenticators, mode);
  return async function authenticatePreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    try {
      const auth = await compiled.run(toSecurityRequest(request));
      // An optional route without a credential leaves request.auth as it was.
      if (auth !== undefined) request.auth = auth;
    } catch (error) {
      if (isRampartError(error)) return sendProblem(reply, error);
      throw error;
    }
    return undefined;
  };
}

/**
 * A Fastify `preHandler` that lets a request through only when an earlier `authenticate` set
 * `request.auth`; otherwise 401 `ERR_AUTH_REQUIRED`.
 *
 * @example
 * app.addHook('onRequest', authenticate([jwtAuthenticator(tokens)], { mode: 'optional' }));
 * app.post('/api/v1/orders', { preHandler: requireAuth({ challenges: ['Bearer'] }) }, createOrder);
 */
export function requireAuth(options: RequireAuthPreHandlerOptions = {}): AuthPreHandler {
  const { challenges } = parseOptions('requireAuth', requireAuthOptionsSchema, options);
  return async function requireAuthPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    if (request.auth === undefined) return sendProblem(reply, authRequiredError(challenges));
    return undefined;
  };
}
