import type { ProviderProfile } from './profile.js';

/** What a flow hands the provider when it starts: all fresh, all random, kept in the cookie. */
export interface AuthorizationParams {
  readonly state: string;
  readonly codeVerifier: string;
  /** Sent by OpenID Connect providers and checked in the ID token; ignored by others. */
  readonly nonce: string;
}

/** What the callback hands the provider: the code from the URL, the secrets from the cookie. */
export interface CompletionParams {
  readonly code: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}

/**
 * One configured sign-in provider. Built by `oidcProvider`, `discoverOidcProvider`,
 * `googleProvider` or `githubProvider`; another arctic provider is an object of this shape
 * (docs/oauth.md shows one).
 */
export interface OAuthProvider {
  /** The name in the routes (`/auth/oauth/:provider`): lower case, `[a-z0-9-]`. */
  readonly name: string;
  /** The authorization endpoint's URL for one flow. */
  authorizationUrl(params: AuthorizationParams): URL;
  /**
   * Exchanges the code (once: the provider spends it) and returns the verified profile. Throws
   * `CallbackFailure` with the reason when anything does not check out.
   */
  complete(params: CompletionParams): Promise<ProviderProfile>;
}
