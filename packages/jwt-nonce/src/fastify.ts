/**
 * `@rampart/jwt-nonce/fastify`: the Fastify adapter. Imports only types from `fastify`.
 */
import { assertKnownOptions } from '@rampart/core';
import { sendProblem } from '@rampart/core/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkedTokens } from './adapter-checks.js';
import type { JwtAuth, JwtNonce } from './api.js';
import { authorizationHeader } from './bearer.js';

/** A route-level `preHandler` that requires an access token. */
export type JwtPreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token on routes guarded by `requireJwt`; `null` elsewhere. */
    auth: JwtAuth | null;
  }
  interface FastifyInstance {
    /** The `preHandler` that guards a route: `{ preHandler: app.requireJwt }`. */
    requireJwt: JwtPreHandler;
  }
}

/** Options of the {@link fastifyJwtNonce} plugin. */
export interface FastifyJwtNonceOptions {
  /** The token service from `createJwtNonce`. */
  tokens: JwtNonce;
}

/**
 * A `preHandler` that lets a request through only with a valid, unrevoked access token in
 * `Authorization: Bearer …` and sets `request.auth`; every failure answers the same 401
 * problem with `WWW-Authenticate: Bearer error="invalid_token"`, a store outage 503.
 *
 * @example
 * app.get('/me', { preHandler: jwtPreHandler(tokens) }, async (request) => request.auth);
 */
export function jwtPreHandler(tokens: JwtNonce): JwtPreHandler {
  checkedTokens('jwtPreHandler', tokens);
  return async function requireJwtPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    try {
      request.auth = await tokens.authenticate(authorizationHeader(request.raw.rawHeaders));
    } catch (error) {
      return sendProblem(reply, error);
    }
    return undefined;
  };
}

async function jwtNoncePlugin(
  fastify: FastifyInstance,
  options: FastifyJwtNonceOptions,
): Promise<void> {
  const tokens = checkedTokens('fastifyJwtNonce', options.tokens);
  assertKnownOptions('fastifyJwtNonce', options, ['tokens']);
  fastify.decorateRequest('auth', null);
  fastify.decorate('requireJwt', jwtPreHandler(tokens));
}

/**
 * Decorates `request.auth` (typed, `null` until a guard sets it) and `fastify.requireJwt`, the
 * guard to put on a route's `preHandler`. Registered with `fastify-plugin`, so both apply to
 * the whole app.
 *
 * @example
 * await app.register(fastifyJwtNonce, { tokens });
 * app.get('/api/v1/me', { preHandler: app.requireJwt }, async (request) => ({ id: request.auth!.sub }));
 */
export const fastifyJwtNonce = fp(jwtNoncePlugin, {
  fastify: '5.x',
  name: '@rampart/jwt-nonce',
});
