import {
  type Clock,
  clockSchema,
  parseOptions,
  RampartConfigError,
  systemClock,
} from '@rampart/core';
import { CodeChallengeMethod, OAuth2Client, type OAuth2Tokens } from 'arctic';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { CallbackFailure } from '../errors.js';
import type { ProviderProfile } from '../profile.js';
import type { AuthorizationParams, CompletionParams, OAuthProvider } from '../provider.js';
import { timeoutMsSchema, withDeadline } from './deadline.js';
import { isSafeEndpoint } from './endpoint.js';
import { verifyIdToken } from './id-token.js';

/** The endpoints of an OpenID Connect issuer (its discovery document, the fields used). */
export interface OidcMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
}

/** Options of {@link oidcProvider} and {@link discoverOidcProvider}. */
export interface OidcProviderOptions {
  /** The route name. Default `oidc`. */
  name?: string;
  /** The issuer identifier, exactly as its ID tokens carry it in `iss`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This app's callback URL, registered at the provider. */
  redirectUri: string;
  /** Default `['openid', 'email', 'profile']`; `openid` is always sent. */
  scopes?: readonly string[];
  /**
   * How long after a JWKS fetch an unknown `kid` may not trigger another, in milliseconds;
   * default 30 000 (jose's). A rotation is followed after it.
   */
  jwksCooldownMs?: number;
  /**
   * How long the issuer may take to answer discovery, the code exchange or a JWKS fetch, in
   * milliseconds; default 10 000. A slower answer refuses the callback (discovery: start-up).
   */
  timeoutMs?: number;
  clock?: Clock;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const oidcOptionsShape = {
  name: z
    .string()
    .regex(NAME, 'must be 1 to 32 of a-z, 0-9 and -, as in a URL path.')
    .default('oidc'),
  issuer: z.string().refine(isSafeEndpoint, 'must be an https URL (http only on localhost).'),
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(1024),
  redirectUri: z.string().refine(isSafeEndpoint, 'must be an https URL (http only on localhost).'),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
    .readonly()
    .default(['openid', 'email', 'profile']),
  jwksCooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
  timeoutMs: timeoutMsSchema,
  clock: clockSchema.default(systemClock),
};

const metadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().refine(isSafeEndpoint),
  token_endpoint: z.string().refine(isSafeEndpoint),
  jwks_uri: z.string().refine(isSafeEndpoint),
});

/** The exchange half every OpenID Connect provider shares; `google` plugs in arctic's Google. */
export interface OidcClient {
  authorizationUrl(state: string, codeVerifier: string, scopes: string[]): URL;
  exchange(code: string, codeVerifier: string): Promise<OAuth2Tokens>;
}

/** Builds an OpenID Connect provider from its pieces (shared by `oidcProvider` and `googleProvider`). */
export function openIdProvider(config: {
  name: string;
  issuers: readonly string[];
  clientId: string;
  scopes: readonly string[];
  keys: JWTVerifyGetKey;
  client: OidcClient;
  clock: Clock;
  timeoutMs: number;
}): OAuthProvider {
  const scopes = config.scopes.includes('openid')
    ? [...config.scopes]
    : ['openid', ...config.scopes];
  return Object.freeze({
    name: config.name,
    authorizationUrl({ state, codeVerifier, nonce }: AuthorizationParams): URL {
      const url = config.client.authorizationUrl(state, codeVerifier, scopes);
      url.searchParams.set('nonce', nonce);
      return url;
    },
    async complete({ code, codeVerifier, nonce }: CompletionParams): Promise<ProviderProfile> {
      let idToken: string;
      try {
        const exchange = config.client.exchange(code, codeVerifier);
        idToken = (await withDeadline(exchange, config.timeoutMs, 'the code exchange')).idToken();
      } catch {
        // The provider's own error (invalid_grant for a spent code …) stays here.
        throw new CallbackFailure('code-exchange-failed');
      }
      return verifyIdToken(idToken, {
        issuers: config.issuers,
        clientId: config.clientId,
        nonce,
        keys: config.keys,
        clock: config.clock,
      });
    },
  });
}

/**
 * An OpenID Connect provider with its endpoints given (no network at start-up), on arctic's
 * generic OAuth 2.0 client: authorization code with PKCE `S256`, `nonce`, the ID token verified
 * against the issuer's JWKS. See {@link discoverOidcProvider} to read the endpoints from the
 * issuer's metadata.
 */
export function oidcProvider(
  options: OidcProviderOptions & { metadata: OidcMetadata },
): OAuthProvider {
  const { metadata, ...rest } = options;
  const parsed = parseOptions('oidcProvider', z.strictObject(oidcOptionsShape), rest);
  const meta = metadataSchema.safeParse(metadata);
  if (!meta.success) {
    throw new RampartConfigError(
      'oidcProvider.metadata',
      'needs https authorization_endpoint, token_endpoint and jwks_uri.',
    );
  }
  if (meta.data.issuer !== parsed.issuer) {
    // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
    throw new RampartConfigError(
      'oidcProvider.metadata.issuer',
      `is "${meta.data.issuer}", not the configured issuer.`,
    );
  }
  const arctic = new OAuth2Client(parsed.clientId, parsed.clientSecret, parsed.redirectUri);
  return openIdProvider({
    name: parsed.name,
    issuers: [parsed.issuer],
    clientId: parsed.clientId,
    scopes: parsed.scopes,
    keys: createRemoteJWKSet(new URL(meta.data.jwks_uri), {
      cooldownDuration: parsed.jwksCooldownMs,
      timeoutDuration: parsed.timeoutMs,
    }),
    clock: parsed.clock,
    timeoutMs: parsed.timeoutMs,
    client: {
      authorizationUrl: (state, codeVerifier, scopes) =>
        arctic.createAuthorizationURLWithPKCE(
          meta.data.authorization_endpoint,
          state,
          CodeChallengeMethod.S256,
          codeVerifier,
          scopes,
        ),
      exchange: (code, codeVerifier) =>
        arctic.validateAuthorizationCode(meta.data.token_endpoint, code, codeVerifier),
    },
  });
}

/**
 * Reads the issuer's metadata (`<issuer>/.well-known/openid-configuration`) once and builds the
 * provider. Throws `RampartConfigError` at start-up when the document cannot be read within
 * `timeoutMs`, names another issuer or has an endpoint that is not https.
 *
 * @example
 * const oidc = await discoverOidcProvider({ issuer, clientId, clientSecret, redirectUri });
 */
export async function discoverOidcProvider(options: OidcProviderOptions): Promise<OAuthProvider> {
  const parsed = parseOptions('discoverOidcProvider', z.strictObject(oidcOptionsShape), options);
  const url = `${parsed.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let metadata: unknown;
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(parsed.timeoutMs),
    });
    if (!response.ok) throw new Error(`status ${response.status}`);
    metadata = await response.json();
  } catch (error) {
    throw new RampartConfigError(
      'discoverOidcProvider.issuer',
      `metadata could not be read from ${url} (${(error as Error).message}).`,
    );
  }
  return oidcProvider({ ...options, metadata: metadata as OidcMetadata });
}
