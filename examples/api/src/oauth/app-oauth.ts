import {
  RampartConfigError,
  type SecurityEventHandler,
  StoreUnavailableError,
} from '@rampart/core';
import type { KeyRing } from '@rampart/crypto';
import {
  createOAuth,
  discoverOidcProvider,
  githubProvider,
  googleProvider,
  type OAuth,
  type OAuthLinkStore,
  type OAuthProvider,
  type OAuthUserDirectory,
} from '@rampart/oauth';
import { ConfigError } from '../config-error.js';
import { reason, withTimeout } from '../stores/app-stores.js';
import type { OAuthConfig } from './oauth-config.js';

/** Where the routes live; the redirect URIs are `<public URL><base>/<provider>/callback`. */
export const OAUTH_BASE_PATH = '/api/v1/auth/oauth';

/** Where a completed sign-in lands (EXAMPLE-API.md). */
export const AFTER_SIGN_IN = '/dashboard';

/** How long the OpenID Connect discovery may take at start-up. */
const DISCOVERY_TIMEOUT_MS = 10_000;

/** One entry of `GET /api/v1/auth/oauth`: what a "Sign in with …" button needs. */
export interface OAuthProviderView {
  readonly id: string;
  readonly name: string;
  /** Same-origin path that starts the sign-in. */
  readonly startUrl: string;
}

/** The app's OAuth sign-in: the configured providers, and the flow once it is bound. */
export interface AppOAuth {
  /** The configured providers, in the order of the env variables (oidc, github, google). */
  readonly providers: readonly OAuthProviderView[];
  /**
   * The service the routes use; `undefined` when no provider is configured (then every
   * `/api/v1/auth/oauth/:provider` is the unknown route's 404). Answers 503 until `bind`.
   */
  readonly service: OAuth | undefined;
  /**
   * Builds the providers with redirect URIs under `PUBLIC_URL`, or `listeningUrl` when it is
   * unset, discovering the OpenID Connect issuer. Called once the server is bound (its port is
   * known only then with `--port 0`), before the app reports ready. Throws `ConfigError` naming
   * the variable (`OAUTH_OIDC_ISSUER` for a discovery failure).
   */
  bind(listeningUrl: string): Promise<void>;
}

export interface AppOAuthOptions {
  readonly config: OAuthConfig;
  /** Seals the flow cookie: the app's `ENCRYPTION_KEYS` (every process shares them). */
  readonly keyRing: KeyRing;
  readonly links: OAuthLinkStore;
  readonly users: OAuthUserDirectory;
  readonly onEvent?: SecurityEventHandler;
}

const DISPLAY_NAMES = { oidc: 'OpenID Connect', github: 'GitHub', google: 'Google' } as const;
type ProviderId = keyof typeof DISPLAY_NAMES;

/** Which env variable a refused option of a provider comes from. */
function variableOf(id: ProviderId, error: RampartConfigError): string {
  const option = error.option;
  if (option.endsWith('redirectUri')) return 'PUBLIC_URL';
  const upper = id.toUpperCase();
  if (option.endsWith('clientSecret')) return `OAUTH_${upper}_CLIENT_SECRET`;
  if (option.endsWith('clientId')) return `OAUTH_${upper}_CLIENT_ID`;
  return id === 'oidc' ? 'OAUTH_OIDC_ISSUER' : `OAUTH_${upper}_CLIENT_ID`;
}

async function buildProvider(
  id: ProviderId,
  config: OAuthConfig,
  redirectUri: string,
): Promise<OAuthProvider> {
  try {
    if (id === 'github') return githubProvider({ ...config.github!, redirectUri });
    if (id === 'google') return googleProvider({ ...config.google!, redirectUri });
    return await withTimeout(
      discoverOidcProvider({ ...config.oidc!, redirectUri }),
      DISCOVERY_TIMEOUT_MS,
      'OpenID Connect discovery',
    );
  } catch (error) {
    if (error instanceof RampartConfigError) {
      throw new ConfigError(variableOf(id, error), error.message);
    }
    // The timeout, or anything else on the way to the issuer.
    throw new ConfigError('OAUTH_OIDC_ISSUER', `discovery failed (${reason(error)})`);
  }
}

/** The app's OAuth sign-in from `OAUTH_*` and `PUBLIC_URL`. */
export function createAppOAuth(options: AppOAuthOptions): AppOAuth {
  const { config } = options;
  const ids = (Object.keys(DISPLAY_NAMES) as ProviderId[]).filter((id) => config[id] !== undefined);
  const providers = Object.freeze(
    ids.map((id) =>
      Object.freeze({ id, name: DISPLAY_NAMES[id], startUrl: `${OAUTH_BASE_PATH}/${id}` }),
    ),
  );
  let bound: OAuth | undefined;
  const current = (): OAuth => {
    // Only between the server's bind and the providers' (start-up): retry shortly.
    if (bound === undefined) throw new StoreUnavailableError('oauth-providers');
    return bound;
  };
  // The routes are registered before the server listens; the flow exists once it has.
  const service: OAuth | undefined =
    ids.length === 0
      ? undefined
      : Object.freeze({
          providerNames: Object.freeze([...ids]),
          get clearCookie() {
            return current().clearCookie;
          },
          start: (provider, startOptions) => current().start(provider, startOptions),
          callback: (provider, request) => current().callback(provider, request),
          links: (userId) => current().links(userId),
          unlink: (userId, provider, unlinkOptions) =>
            current().unlink(userId, provider, unlinkOptions),
        } satisfies OAuth);

  return Object.freeze({
    providers,
    service,
    async bind(listeningUrl: string) {
      if (ids.length === 0 || bound !== undefined) return;
      const base = config.publicUrl ?? listeningUrl.replace(/\/+$/, '');
      const built: OAuthProvider[] = [];
      for (const id of ids) {
        built.push(await buildProvider(id, config, `${base}${OAUTH_BASE_PATH}/${id}/callback`));
      }
      bound = createOAuth({
        providers: built,
        keyRing: options.keyRing,
        links: options.links,
        users: options.users,
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      });
    },
  });
}
