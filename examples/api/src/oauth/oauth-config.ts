import { ConfigError } from '../config-error.js';

/** The client credentials an OAuth provider issued to this app. */
export interface OAuthClientConfig {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What the OAuth sign-in is configured with (EXAMPLE-API.md, "OAuth 2.0 sign-in"). */
export interface OAuthConfig {
  /** `OAUTH_OIDC_ISSUER` / `_CLIENT_ID` / `_CLIENT_SECRET`: any OpenID Connect issuer. */
  readonly oidc?: OAuthClientConfig & { readonly issuer: string };
  /** `OAUTH_GITHUB_CLIENT_ID` / `_CLIENT_SECRET`. */
  readonly github?: OAuthClientConfig;
  /** `OAUTH_GOOGLE_CLIENT_ID` / `_CLIENT_SECRET`. */
  readonly google?: OAuthClientConfig;
  /**
   * `PUBLIC_URL` without a trailing slash: the base of the redirect URIs. Unset: the URL the app
   * listens on, known once it is bound (`--port 0`).
   */
  readonly publicUrl?: string;
}

// Printable ASCII without spaces, bounded as @rampart/oauth bounds them (512 and 1024).
const CLIENT_ID = /^[\x21-\x7e]{1,512}$/;
const CLIENT_SECRET = /^[\x21-\x7e]{1,1024}$/;
/** The loopback hosts on which @rampart/oauth accepts a plain-http endpoint. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether @rampart/oauth accepts `url` as a provider endpoint or a redirect URI. */
export function isSafeOAuthUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

function credential(
  read: (name: string) => string | undefined,
  name: string,
  pattern: RegExp,
  max: number,
): string | undefined {
  const value = read(name);
  if (value !== undefined && !pattern.test(value)) {
    // Never echo the value: it may be a secret.
    throw new ConfigError(name, `must be 1 to ${max} printable ASCII characters without spaces`);
  }
  return value;
}

/** Both of `OAUTH_<NAME>_CLIENT_ID` and `_CLIENT_SECRET`, or neither (the provider is off). */
function client(
  read: (name: string) => string | undefined,
  name: string,
): OAuthClientConfig | undefined {
  const idName = `OAUTH_${name}_CLIENT_ID`;
  const secretName = `OAUTH_${name}_CLIENT_SECRET`;
  const clientId = credential(read, idName, CLIENT_ID, 512);
  const clientSecret = credential(read, secretName, CLIENT_SECRET, 1024);
  if (clientId === undefined && clientSecret === undefined) return undefined;
  if (clientId === undefined) throw new ConfigError(idName, `must be set with ${secretName}`);
  if (clientSecret === undefined) throw new ConfigError(secretName, `must be set with ${idName}`);
  return { clientId, clientSecret };
}

function parseIssuer(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('OAUTH_OIDC_ISSUER', 'is not a valid URL');
  }
  if (!isSafeOAuthUrl(url) || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      'OAUTH_OIDC_ISSUER',
      'must be an https URL without query or fragment (http only on localhost)',
    );
  }
  // Kept as written: an ID token's `iss` must equal it exactly.
  return text;
}

function parsePublicUrl(text: string | undefined, anyProvider: boolean): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('PUBLIC_URL', 'must be an http or https URL');
  }
  if (anyProvider && !isSafeOAuthUrl(url)) {
    throw new ConfigError(
      'PUBLIC_URL',
      'must be https (http only on localhost) when an OAuth provider is configured: it carries the codes back',
    );
  }
  return text.replace(/\/+$/, '');
}

/** The `OAUTH_*` variables and `PUBLIC_URL`, validated; a provider with no variable set is off. */
export function parseOAuthConfig(read: (name: string) => string | undefined): OAuthConfig {
  const issuer = read('OAUTH_OIDC_ISSUER');
  const oidcClient = client(read, 'OIDC');
  if (issuer === undefined && oidcClient !== undefined) {
    throw new ConfigError('OAUTH_OIDC_ISSUER', 'must be set with OAUTH_OIDC_CLIENT_ID');
  }
  if (issuer !== undefined && oidcClient === undefined) {
    throw new ConfigError('OAUTH_OIDC_CLIENT_ID', 'must be set with OAUTH_OIDC_ISSUER');
  }
  const github = client(read, 'GITHUB');
  const google = client(read, 'GOOGLE');
  const oidc =
    issuer === undefined || oidcClient === undefined
      ? undefined
      : { issuer: parseIssuer(issuer), ...oidcClient };
  const publicUrl = parsePublicUrl(
    read('PUBLIC_URL'),
    oidc !== undefined || github !== undefined || google !== undefined,
  );
  return {
    ...(oidc === undefined ? {} : { oidc }),
    ...(github === undefined ? {} : { github }),
    ...(google === undefined ? {} : { google }),
    ...(publicUrl === undefined ? {} : { publicUrl }),
  };
}
