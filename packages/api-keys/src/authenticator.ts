import {
  type AuthContext,
  type Authenticator,
  createAuthContext,
  parseOptions,
  type SecurityRequest,
} from '@rampart/core';
import type { RateLimitDecision } from '@rampart/rate-limit';
import { z } from 'zod';
import type { ApiKeys } from './api.js';
import { ApiKeyRateLimitedError, InvalidApiKeyError } from './errors.js';
import { keyLimitDecision, keyRateLimitHeaders } from './key-policy.js';
import type { VerifiedApiKey } from './verified-key.js';

/** Options of {@link apiKeyAuthenticator}. */
export interface ApiKeyAuthenticatorOptions {
  /**
   * Also accept `Authorization: Bearer <key>` when the token has the keys' prefix (`rk_…`);
   * any other bearer token is left to the next authenticator. Put this authenticator before
   * `jwtAuthenticator` then. Default `false`.
   */
  bearer?: boolean;
}

const optionsSchema = z.strictObject({ bearer: z.boolean().default(false) });

/** The verified key behind each context this package made; nothing else can be found here. */
const verifiedKeys = new WeakMap<AuthContext, VerifiedApiKey>();

/** A header sent empty carries no credential. */
const BLANK = /^[ \t]*$/;

function isApiKeys(value: unknown): value is ApiKeys {
  return typeof (value as Partial<ApiKeys> | null)?.authenticate === 'function';
}

/** Checks the service an adapter is given, at start-up. */
export function checkedApiKeys(owner: string, apiKeys: unknown): ApiKeys {
  if (!isApiKeys(apiKeys))
    throw new TypeError(`${owner}: pass the service createApiKeys() returned.`);
  return apiKeys;
}

function toAuthContext(key: VerifiedApiKey): AuthContext {
  const context = createAuthContext({
    userId: key.ownerId,
    method: 'api-key',
    scopes: key.scopes,
    credentialId: key.id,
  });
  verifiedKeys.set(context, key);
  return context;
}

/**
 * The API-key authenticator for core's `authenticate([...])`. Its credential is the `X-API-Key`
 * header (and, with `bearer: true`, an `Authorization: Bearer` token that starts with the keys'
 * prefix): absent or blank is no credential; anything else is verified, and a bad key is refused
 * at once (401 `ERR_API_KEY_INVALID`, `ERR_API_KEY_EXPIRED`, `ERR_API_KEY_DISABLED`; 429 with
 * `Retry-After` for a key over its own limit), never handed to the next authenticator. A valid key
 * becomes an `AuthContext` with `method: 'api-key'`, `userId` = the key's owner, `scopes` and
 * `credentialId` = the key id.
 *
 * @example
 * app.get('/api/v1/things', authenticate([apiKeyAuthenticator(apiKeys), jwtAuthenticator(tokens)]), handler);
 */
export function apiKeyAuthenticator(
  apiKeys: ApiKeys,
  options: ApiKeyAuthenticatorOptions = {},
): Authenticator {
  checkedApiKeys('apiKeyAuthenticator', apiKeys);
  const { bearer } = parseOptions('apiKeyAuthenticator', optionsSchema, options);
  const bearerPrefix = `bearer ${apiKeys.format.prefix}_`;

  function credentialOf(request: SecurityRequest): string | readonly string[] | undefined {
    const header = request.headers['x-api-key'];
    if (header !== undefined && !(typeof header === 'string' && BLANK.test(header))) return header;
    if (!bearer) return undefined;
    const authorization = request.headers.authorization;
    if (
      typeof authorization !== 'string' ||
      authorization.length < bearerPrefix.length ||
      authorization.slice(0, bearerPrefix.length).toLowerCase() !== bearerPrefix
    ) {
      return undefined;
    }
    return authorization.slice('bearer '.length).trim();
  }

  return Object.freeze({
    name: 'api-key',
    challenge: 'ApiKey',
    authenticate(request: SecurityRequest): Promise<AuthContext> | undefined {
      const credential = credentialOf(request);
      if (credential === undefined) return undefined;
      // The header sent twice: which one would be meant? Neither.
      if (typeof credential !== 'string') {
        return Promise.reject(new InvalidApiKeyError('malformed'));
      }
      return apiKeys.authenticate(credential, { ip: request.ip }).then(toAuthContext);
    },
  });
}

/**
 * The verified key behind a context {@link apiKeyAuthenticator} made (its rate-limit counter,
 * expiry, whether the client used the key from before a rotation); `undefined` for any other
 * context, including an object built by hand.
 *
 * @example
 * if (apiKeyOf(req.auth)?.usedPreviousKey) res.setHeader('Deprecation', 'true');
 */
export function apiKeyOf(auth: AuthContext | undefined): VerifiedApiKey | undefined {
  return auth === undefined ? undefined : verifiedKeys.get(auth);
}

/**
 * The `RateLimit-Policy` and `RateLimit` fields of the key's own limit, for a response to a
 * request it authenticated; empty when the context is no API key's or the key has no limit.
 */
export function apiKeyRateLimitHeaders(auth: AuthContext | undefined): Record<string, string> {
  const limit = apiKeyOf(auth)?.rateLimit;
  return limit === undefined ? {} : keyRateLimitHeaders(limit);
}

/**
 * The key's own limit as a rate-limit decision, for rate-limit's header writer: after a request
 * the key authenticated (`auth`, its counter after this request), or of a 429 this package
 * refused with (`failure`): a key over its limit (`"api-key"`), or a client address over its
 * budget of failed guesses (`"api-key-failures"`). `undefined` for any other context or error, or
 * a key without limit.
 *
 * @example
 * const decision = apiKeyRateLimitDecision(req.auth); // then limiter.writeHeaders(decision, set)
 */
export function apiKeyRateLimitDecision(
  auth: AuthContext | undefined,
  failure?: unknown,
): RateLimitDecision | undefined {
  if (failure instanceof ApiKeyRateLimitedError) {
    const refused = failure.rateLimit;
    return refused === undefined ? undefined : keyLimitDecision(refused, failure.policy);
  }
  const limit = apiKeyOf(auth)?.rateLimit;
  return limit === undefined ? undefined : keyLimitDecision(limit);
}
