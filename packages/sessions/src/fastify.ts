/**
 * `@rampart/sessions/fastify`: the Fastify adapter. Imports only types from `fastify`.
 * `request.auth` is core's `AuthContext`, declared by `@rampart/core/fastify`; this entry
 * declares `request.session` and `fastify.requireSession`.
 */
import { type AuthMode, parseOptions } from '@rampart/core';
import { type AuthPreHandler, authenticate, decorateAuth } from '@rampart/core/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { Session, Sessions } from './api.js';
import { checkedSessions, sessionAuthenticator, sessionOf } from './authenticator.js';
import type { CsrfOptions } from './csrf.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The live session of the request's cookie, set by a session preHandler; `null` without one. */
    session: Session | null;
  }
  interface FastifyInstance {
    /** The preHandler that requires a session: `{ preHandler: app.requireSession }`. */
    requireSession: AuthPreHandler;
  }
}

/** Options of {@link sessionPreHandler}. */
export interface SessionPreHandlerOptions {
  /** `required` (default): no cookie is a 401 `ERR_AUTH_REQUIRED`. `optional`: it passes without a session. */
  mode?: AuthMode;
  /** The CSRF check of unsafe requests; see `sessionAuthenticator`. Default on. */
  csrf?: CsrfOptions | false;
}

const preHandlerOptionsSchema = z.strictObject({
  mode: z
    .enum(['required', 'optional'], { error: "must be 'required' or 'optional'." })
    .default('required'),
  csrf: z.union([z.literal(false), z.record(z.string(), z.unknown())]).default({}),
});

/**
 * A `preHandler` that reads the session cookie and sets `request.session` and `request.auth`
 * (`method: 'session'`); refusals answer as problems (400 `ERR_COOKIE_MALFORMED`, 401
 * `ERR_SESSION_*`, 403 `ERR_CSRF`, 503). Register {@link fastifySessions} first so
 * `request.session` is declared.
 *
 * @example
 * app.get('/account', { preHandler: sessionPreHandler(sessions) }, async (request) => request.session);
 */
export function sessionPreHandler(
  sessions: Sessions,
  options: SessionPreHandlerOptions = {},
): AuthPreHandler {
  checkedSessions('sessionPreHandler', sessions);
  const { mode, csrf } = parseOptions('sessionPreHandler', preHandlerOptionsSchema, options);
  const authenticateSession = authenticate(
    [sessionAuthenticator(sessions, { csrf: csrf as CsrfOptions | false })],
    { mode },
  );
  return async function sessionPreHandlerHook(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    const refused = await authenticateSession(request, reply);
    if (refused !== undefined) return refused;
    request.session = sessionOf(request.auth) ?? null;
    return undefined;
  };
}

/** Options of the {@link fastifySessions} plugin. */
export interface FastifySessionsOptions extends Omit<SessionPreHandlerOptions, 'mode'> {
  /** The service from `createSessions`. */
  sessions: Sessions;
}

const pluginOptionsSchema = z.strictObject({
  sessions: z.custom<Sessions>(
    (value) => typeof (value as Sessions | null)?.authenticate === 'function',
    {
      error: 'must be the result of createSessions()',
    },
  ),
  csrf: z.union([z.literal(false), z.record(z.string(), z.unknown())]).optional(),
});

async function sessionsPlugin(
  fastify: FastifyInstance,
  options: FastifySessionsOptions,
): Promise<void> {
  const { sessions, csrf } = parseOptions('fastifySessions', pluginOptionsSchema, options);
  decorateAuth(fastify);
  if (!fastify.hasRequestDecorator('session')) fastify.decorateRequest('session', null);
  fastify.decorate(
    'requireSession',
    sessionPreHandler(sessions, csrf === undefined ? {} : { csrf: csrf as CsrfOptions | false }),
  );
}

/**
 * Declares `request.session` (`null` until a session preHandler sets it) and `request.auth`, and
 * decorates `fastify.requireSession`, the guard to put on a route's `preHandler`. Registered with
 * `fastify-plugin`, so all of it applies to the whole app.
 *
 * @example
 * await app.register(fastifySessions, { sessions });
 * app.get('/account', { preHandler: app.requireSession }, async (request) => ({ user: request.session!.userId }));
 */
export const fastifySessions = fp(sessionsPlugin, { fastify: '5.x', name: '@rampart/sessions' });

export { sessionOf } from './authenticator.js';
