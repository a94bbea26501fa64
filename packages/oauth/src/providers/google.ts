import { type Clock, clockSchema, parseOptions, systemClock } from '@rampart/core';
import { Google } from 'arctic';
import { createRemoteJWKSet } from 'jose';
import { z } from 'zod';
import type { OAuthProvider } from '../provider.js';
import { timeoutMsSchema } from './deadline.js';
import { isSafeEndpoint } from './endpoint.js';
import { openIdProvider } from './oidc.js';

/** Options of {@link googleProvider}. */
export interface GoogleProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Default `['openid', 'email', 'profile']`. */
  scopes?: readonly string[];
  /** How long Google may take to answer the code exchange or a JWKS fetch; default 10 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
}

const googleSchema = z.strictObject({
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(1024),
  redirectUri: z.string().refine(isSafeEndpoint, 'must be an https URL (http only on localhost).'),
  scopes: z.array(z.string()).readonly().default(['openid', 'email', 'profile']),
  timeoutMs: timeoutMsSchema,
  clock: clockSchema.default(systemClock),
});

/** Google's signing keys; its ID tokens carry either spelling of the issuer. */
const GOOGLE_JWKS = 'https://www.googleapis.com/oauth2/v3/certs';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/**
 * Sign in with Google (an OpenID Connect provider) on arctic's `Google` client: PKCE `S256`,
 * `nonce`, the ID token verified against Google's JWKS. The route name is `google`.
 */
export function googleProvider(options: GoogleProviderOptions): OAuthProvider {
  const parsed = parseOptions('googleProvider', googleSchema, options);
  const google = new Google(parsed.clientId, parsed.clientSecret, parsed.redirectUri);
  return openIdProvider({
    name: 'google',
    issuers: GOOGLE_ISSUERS,
    clientId: parsed.clientId,
    scopes: parsed.scopes,
    keys: createRemoteJWKSet(new URL(GOOGLE_JWKS), { timeoutDuration: parsed.timeoutMs }),
    clock: parsed.clock,
    timeoutMs: parsed.timeoutMs,
    client: {
      authorizationUrl: (state, codeVerifier, scopes) =>
        google.createAuthorizationURL(state, codeVerifier, scopes),
      exchange: (code, codeVerifier) => google.validateAuthorizationCode(code, codeVerifier),
    },
  });
}
