/**
 * `@rampart/api-keys/fastify`: the Fastify adapter. Imports only types from `fastify`.
 * `request.auth` is core's `AuthContext`, declared by `@rampart/core/fastify`.
 */
import { parseOptions } from '@rampart/core';
import {
  type AuthPreHandler,
  authenticate,
  decorateAuth,
  sendProblem,
} from '@rampart/core/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { ApiKeys } from './api.js';
import {
  type ApiKeyAuthenticatorOptions,
  apiKeyAuthenticator,
  apiKeyRateLimitHeaders,
  checkedApiKeys,
} from './authenticator.js';
import { checkedScopes, scopeRefusal } from './scopes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The `preHandler` that requires an API key: `{ preHandler: app.requireApiKey }`. */
    requireApiKey: AuthPreHandler;
    /** The API-key service the plugin was registered with. */
    apiKeys: ApiKeys;
  }
}

/** Options of the {@link fastifyApiKeys} plugin. */
export interface FastifyApiKeysOptions extends ApiKeyAuthenticatorOptions {
  /** The service from `createApiKeys`. */
  apiKeys: ApiKeys;
}

/**
 * A `preHandler` that lets a request through only with a valid API key in `X-API-Key` (or
 * `Authorization: Bearer rk_…` with `bearer: true`) and sets `request.auth` (`method:
 * 'api-key'`, `userId` = the owner, `scopes`, `credentialId` = the key id). A key with its own
 * rate limit gets `RateLimit-Policy` and `RateLimit` on the reply. Refusals: 401
 * `ERR_API_KEY_INVALID` / `_EXPIRED` / `_DISABLED`, 429 with `Retry-After`, 503 on an outage.
 *
 * @example
 * app.get('/things', { preHandler: [apiKeyPreHandler(apiKeys), requireScopes('things:read')] }, list);
 */
export function apiKeyPreHandler(
  apiKeys: ApiKeys,
  options: ApiKeyAuthenticatorOptions = {},
): AuthPreHandler {
  checkedApiKeys('apiKeyPreHandler', apiKeys);
  const authenticateKey = authenticate([apiKeyAuthenticator(apiKeys, options)], {
    mode: 'required',
  });
  return async function apiKeyAuthPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    const answer = await authenticateKey(request, reply);
    if (answer === undefined) reply.headers(apiKeyRateLimitHeaders(request.auth));
    return answer;
  };
}

/**
 * A `preHandler` after an authenticating one: an API key passes only when its scopes grant every
 * one of `scopes` (`entities:*` and `*` count), else 403 `ERR_INSUFFICIENT_SCOPE`; no identity is
 * 401. Other identities pass: scopes only narrow what a key may do.
 *
 * @example
 * app.post('/entities', { preHandler: [app.requireApiKey, requireScopes('entities:write')] }, create);
 */
export function requireScopes(...scopes: string[]): AuthPreHandler {
  const required = checkedScopes('requireScopes', scopes);
  return async function requireScopesPreHandler(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown> {
    const refusal = scopeRefusal(request.auth, required);
    return refusal === undefined ? undefined : sendProblem(reply, refusal);
  };
}

const pluginOptionsSchema = z.strictObject({
  apiKeys: z.custom<ApiKeys>(
    (value) => typeof (value as Partial<ApiKeys> | null)?.authenticate === 'function',
    {
      error: 'must be the service createApiKeys() returned',
    },
  ),
  bearer: z.boolean().optional(),
});

async function apiKeysPlugin(
  fastify: FastifyInstance,
  options: FastifyApiKeysOptions,
): Promise<void> {
  const { apiKeys, bearer } = parseOptions('fastifyApiKeys', pluginOptionsSchema, options);
  decorateAuth(fastify);
  fastify.decorate('apiKeys', apiKeys);
  fastify.decorate(
    'requireApiKey',
    apiKeyPreHandler(apiKeys, bearer === undefined ? {} : { bearer }),
  );
}

/**
 * Decorates `fastify.requireApiKey` (the guard for a route's `preHandler`) and `fastify.apiKeys`,
 * and makes sure `request.auth` is declared. Registered with `fastify-plugin`, so both apply to
 * the whole app.
 *
 * @example
 * await app.register(fastifyApiKeys, { apiKeys });
 * app.get('/api/v1/things', { preHandler: [app.requireApiKey, requireScopes('things:read')] }, list);
 */
export const fastifyApiKeys = fp(apiKeysPlugin, { fastify: '5.x', name: '@rampart/api-keys' });

export {
  apiKeyAuthenticator,
  apiKeyOf,
  apiKeyRateLimitDecision,
  apiKeyRateLimitHeaders,
} from './authenticator.js';
