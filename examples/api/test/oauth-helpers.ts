import { OAuth2Server } from 'oauth2-mock-server';

export const OAUTH_CLIENT_ID = 'rampart-example-client';
export const OAUTH_CLIENT_SECRET = 'rampart-example-secret';

/** What the next ID tokens claim about the user; a test changes it between flows. */
export interface IdentityClaims {
  sub: string;
  email: string;
  email_verified: boolean;
}

/**
 * A local OpenID Connect issuer (oauth2-mock-server) started by the test: RS256 keys, and every
 * ID token for the app's client carrying `claims()`.
 */
export async function startIssuer(claims: () => IdentityClaims): Promise<OAuth2Server> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, 'localhost');
  server.service.on('beforeTokenSigning', (token) => {
    if (token.payload.aud === OAUTH_CLIENT_ID) Object.assign(token.payload, claims());
  });
  return server;
}

/** The env that configures the `oidc` provider on `issuer`. */
export function oidcEnv(issuer: OAuth2Server): Record<string, string> {
  return {
    OAUTH_OIDC_ISSUER: issuer.issuer.url as string,
    OAUTH_OIDC_CLIENT_ID: OAUTH_CLIENT_ID,
    OAUTH_OIDC_CLIENT_SECRET: OAUTH_CLIENT_SECRET,
  };
}

/** The browser at the provider: follows its authorization redirect and reads where it sends back. */
export async function authorizeAt(location: string): Promise<URL> {
  const response = await fetch(location, { redirect: 'manual' });
  if (response.status !== 302) throw new Error(`the issuer answered ${response.status}`);
  return new URL(response.headers.get('location') as string);
}

/** `name=value` of the `Set-Cookie` whose name is `name`, or undefined. */
export function cookieNamed(setCookies: readonly string[], name: string): string | undefined {
  return setCookies.find((value) => value.startsWith(`${name}=`))?.split(';')[0];
}
