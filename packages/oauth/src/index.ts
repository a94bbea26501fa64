/**
 * `@rampart/oauth`: sign in with Google, GitHub or any OpenID Connect provider on arctic. The
 * flow's state, PKCE verifier and nonce travel in a sealed, short-lived cookie (no server
 * state); ID tokens are verified with jose; `(provider, subject)` links keep a user one account.
 * Adapters: `@rampart/oauth/express`, `@rampart/oauth/fastify`; stores: `./redis`, `./postgres`.
 */
export {
  CallbackFailure,
  type CallbackFailureReason,
  lastLoginError,
  oauthCallbackError,
} from './errors.js';
export {
  createOAuth,
  type OAuth,
  type OAuthCallbackRequest,
  type OAuthOptions,
  type OAuthSignIn,
  type OAuthStart,
  type OAuthUserDirectory,
} from './oauth.js';
export type { ProviderProfile } from './profile.js';
export type { AuthorizationParams, CompletionParams, OAuthProvider } from './provider.js';
export { type GitHubProviderOptions, githubProvider } from './providers/github.js';
export { type GoogleProviderOptions, googleProvider } from './providers/google.js';
export {
  discoverOidcProvider,
  type OidcMetadata,
  type OidcProviderOptions,
  oidcProvider,
} from './providers/oidc.js';
export type { OAuthLink, OAuthLinkStore } from './store.js';
export { MemoryOAuthLinkStore } from './stores/memory.js';
