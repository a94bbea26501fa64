import { randomBytes } from 'node:crypto';
import { createFakeClock, type FakeClock } from '@rampart/core';
import { createKeyRing } from '@rampart/crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import {
  createOAuth,
  discoverOidcProvider,
  MemoryOAuthLinkStore,
  type OAuth,
  type OAuthOptions,
} from '../../src/index.js';

export const CLIENT_ID = 'rampart-test-client';

/** A local OpenID Connect server (oauth2-mock-server), started by the test. */
export async function startIssuer(): Promise<OAuth2Server> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, 'localhost');
  return server;
}

/** What the next ID tokens claim, changed by each test. */
export interface IdTokenClaims {
  email?: string;
  email_verified?: boolean;
  aud?: string;
  nonce?: string;
  exp?: number;
  azp?: string;
}

/** Sets the claims of every ID token the issuer signs (tokens whose `aud` is the client). */
export function claimOnIdTokens(
  server: OAuth2Server,
  claims: () => IdTokenClaims,
  kids?: string[],
): void {
  server.service.on('beforeTokenSigning', (token) => {
    if (token.payload.aud !== CLIENT_ID) return;
    Object.assign(token.payload, claims());
    kids?.push(String(token.header.kid));
  });
}

/** An app's users, in memory, counting creations. */
export function userDirectory() {
  const byEmail = new Map<string, string>();
  let created = 0;
  return {
    byEmail,
    created: () => created,
    async findByVerifiedEmail(email: string) {
      return byEmail.get(email);
    },
    async createUser(account: { email: string }) {
      created++;
      const id = `user-${created}`;
      byEmail.set(account.email, id);
      return id;
    },
  };
}

export interface Harness {
  oauth: OAuth;
  users: ReturnType<typeof userDirectory>;
  links: MemoryOAuthLinkStore;
  clock: FakeClock;
  keyRing: ReturnType<typeof createKeyRing>;
}

export async function harness(
  server: OAuth2Server,
  extra: Partial<OAuthOptions> = {},
): Promise<Harness> {
  const clock = createFakeClock(Date.now());
  const provider = await discoverOidcProvider({
    issuer: server.issuer.url as string,
    clientId: CLIENT_ID,
    clientSecret: 'test-secret',
    // The test takes the code from the issuer's redirect itself; nothing listens here.
    redirectUri: 'http://localhost:9/callback',
    jwksCooldownMs: 0,
    clock,
  });
  const users = userDirectory();
  const links = new MemoryOAuthLinkStore();
  const keyRing = createKeyRing({ keys: [{ id: 'k1', key: randomBytes(32) }] });
  const oauth = createOAuth({ providers: [provider], keyRing, links, users, clock, ...extra });
  return { oauth, users, links, clock, keyRing };
}

/** The browser's part: follows the start redirect to the issuer and reads its redirect back. */
export async function authorize(location: string): Promise<{ code: string; state: string }> {
  const response = await fetch(location, { redirect: 'manual' });
  const back = new URL(response.headers.get('location') as string);
  return {
    code: back.searchParams.get('code') as string,
    state: back.searchParams.get('state') as string,
  };
}

/** The cookie pair (`name=value`) of a Set-Cookie value. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0] as string;
}
