/**
 * `@rampart/jwt-nonce/fastify`: the Fastify adapter. Imports only types from `fastify`.
 * `request.auth` is core's `AuthContext`, declared by `@rampart/core/fastify`.
 */
import { parseOptions } from '@rampart/core';
import { type AuthPreHandler, authenticate, decorateAuth } from '@rampart/core/fastify';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { checkedTokens, tokensSchema } from './adapter-checks.js';
import type { JwtNonce } from './api.js';
import { jwtAuthenticator } from './authenticator.js';

/** A route-level `preHandler` that requires an access token. */
export type JwtPreHandler = AuthPreHandler;

declare module 'fastify' {
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
 * `Authorization: Bearer …` and sets `request.auth` (`method: 'jwt'`, `userId` = `sub`,
 * `credentialId` = the token's family). It is `authenticate([jwtAuthenticator(tokens)])` of
 * `@rampart/core/fastify`. Every failure answers the same 401 problem `ERR_TOKEN_INVALID` with
 * `WWW-Authenticate: Bearer error="invalid_token"`, a store outage 503.
 *
 * @example
 * app.get('/me', { preHandler: jwtPreHandler(tokens) }, async (request) => request.auth);
 */
export function jwtPreHandler(tokens: JwtNonce): JwtPreHandler {
  checkedTokens('jwtPreHandler', tokens);
  return authenticate([jwtAuthenticator(tokens)], { mode: 'required' });
}

const pluginOptionsSchema = z.strictObject({ tokens: tokensSchema });

async function jwtNoncePlugin(
  fastify: FastifyInstance,
  options: FastifyJwtNonceOptions,
): Promise<void> {
  const { tokens } = parseOptions('fastifyJwtNonce', pluginOptionsSchema, options);
  decorateAuth(fastify);
  fastify.decorate('requireJwt', jwtPreHandler(tokens));
}

/**
 * Decorates `fastify.requireJwt`, the guard to put on a route's `preHandler`, and makes sure
 * `request.auth` (core's, `undefined` until a guard sets it) is declared. Registered with
 * `fastify-plugin`, so both apply to the whole app.
 *
 * @example
 * await app.register(fastifyJwtNonce, { tokens });
 * app.get('/api/v1/me', { preHandler: app.requireJwt }, async (request) => ({ id: request.auth!.userId }));
 */
export const fastifyJwtNonce = fp(jwtNoncePlugin, {
  fastify: '5.x',
  name: '@rampart/jwt-nonce',
});
