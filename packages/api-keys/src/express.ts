/**
 * `@rampart/api-keys/express`: the Express adapter. Imports only types from `express`.
 * `req.auth` is core's `AuthContext`, declared by `@rampart/core/express`.
 */
import { forwardErrorsSchema, parseOptions } from '@rampart/core';
import { authenticate, sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { ApiKeys } from './api.js';
import {
  type ApiKeyAuthenticatorOptions,
  apiKeyAuthenticator,
  apiKeyRateLimitHeaders,
  checkedApiKeys,
} from './authenticator.js';
import { checkedScopes, scopeRefusal } from './scopes.js';

/** Options of {@link requireApiKey}. */
export interface RequireApiKeyOptions extends ApiKeyAuthenticatorOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const optionsSchema = z.strictObject({
  bearer: z.boolean().optional(),
  forwardErrors: forwardErrorsSchema,
});

/**
 * Middleware that lets a request through only with a valid API key in `X-API-Key` (or
 * `Authorization: Bearer rk_…` with `bearer: true`) and sets `req.auth` (`method: 'api-key'`,
 * `userId` = the owner, `scopes`, `credentialId` = the key id). A key with its own rate limit gets
 * `RateLimit-Policy` and `RateLimit` on the response. Refusals are problems: 401
 * `ERR_API_KEY_INVALID` / `_EXPIRED` / `_DISABLED`, 429 with `Retry-After`; a store outage 503.
 * To accept API keys beside other credentials, pass `apiKeyAuthenticator(apiKeys)` to core's
 * `authenticate([...])` instead.
 *
 * @example
 * app.get('/api/v1/things', requireApiKey(apiKeys), requireScopes('things:read'), listThings);
 */
export function requireApiKey(
  apiKeys: ApiKeys,
  options: RequireApiKeyOptions = {},
): RequestHandler {
  checkedApiKeys('requireApiKey', apiKeys);
  const { bearer, forwardErrors } = parseOptions('requireApiKey', optionsSchema, options);
  const authenticateKey = authenticate(
    [apiKeyAuthenticator(apiKeys, bearer === undefined ? {} : { bearer })],
    { mode: 'required', forwardErrors },
  );
  return function requireApiKeyMiddleware(req: Request, res: Response, next: NextFunction): void {
    authenticateKey(req, res, (error?: unknown) => {
      if (error === undefined) {
        for (const [name, value] of Object.entries(apiKeyRateLimitHeaders(req.auth))) {
          res.setHeader(name, value);
        }
      }
      next(error);
    });
  };
}

/**
 * Guard after an authenticating middleware: an API key passes only when its scopes grant every
 * one of `scopes` (`entities:*` and `*` count), else 403 `ERR_INSUFFICIENT_SCOPE` naming what is
 * missing; no identity is 401. Other identities pass: scopes only narrow what a key may do.
 *
 * @example
 * app.post('/api/v1/entities', authenticate([apiKeyAuthenticator(apiKeys)]), requireScopes('entities:write'), create);
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  const required = checkedScopes('requireScopes', scopes);
  return function requireScopesMiddleware(req: Request, res: Response, next: NextFunction): void {
    const refusal = scopeRefusal(req.auth, required);
    if (refusal === undefined) next();
    else sendProblem(res, refusal);
  };
}

export {
  apiKeyAuthenticator,
  apiKeyOf,
  apiKeyRateLimitDecision,
  apiKeyRateLimitHeaders,
} from './authenticator.js';
