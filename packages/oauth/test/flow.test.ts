import type { SecurityEvent } from '@rampart/core';
import { MemoryNonceStore } from '@rampart/core';
import type { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authorize,
  claimOnIdTokens,
  cookiePair,
  type Harness,
  harness,
  type IdTokenClaims,
  startIssuer,
} from './helpers/provider.js';

let server: OAuth2Server;
let claims: IdTokenClaims;
const kids: string[] = [];

beforeAll(async () => {
  server = await startIssuer();
  claimOnIdTokens(server, () => claims, kids);
});
afterAll(() => server.stop());

let h: Harness;
let events: SecurityEvent[];
beforeEach(async () => {
  claims = { email: 'ada@example.com', email_verified: true };
  events = [];
  h = await harness(server, { onEvent: (event) => events.push(event) });
});

/** One whole flow: start, the issuer's redirect, the callback with the cookie. */
async function signIn(
  tamper: (parts: { code: string; state: string; cookie: string }) => void = () => {},
) {
  const started = h.oauth.start('oidc');
  const parts = { ...(await authorize(started.location)), cookie: cookiePair(started.setCookie) };
  tamper(parts);
  return h.oauth.callback('oidc', {
    query: { code: parts.code, state: parts.state },
    cookieHeader: parts.cookie,
  });
}

async function refused(promise: Promise<unknown>, reason: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ status: 400, code: 'ERR_OAUTH_CALLBACK' });
  expect(events.at(-1)).toMatchObject({
    type: 'LOGIN_FAILURE',
    code: 'ERR_OAUTH_CALLBACK',
    reason,
  });
  expect(h.users.created()).toBe(0);
  expect(await h.links.listByUser('user-1')).toEqual([]);
}

describe('the authorization request', () => {
  it('sends state, PKCE S256 and a nonce, and seals them into a __Host- cookie', () => {
    const started = h.oauth.start('oidc');
    const url = new URL(started.location);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(started.setCookie).toMatch(
      /^__Host-rampart-oauth=v1\.[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/,
    );
    // Neither the state nor the verifier is readable in the cookie.
    expect(started.setCookie).not.toContain(url.searchParams.get('state') as string);
  });

  it('answers 404 for a provider that is not configured', () => {
    expect(() => h.oauth.start('github')).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('the callback', () => {
  it('creates the user of a first sign-in by verified email and links the subject', async () => {
    const result = await signIn();
    expect(result).toEqual({ userId: 'user-1', provider: 'oidc', created: true, linked: false });
    expect(await h.links.find('oidc', 'johndoe')).toBe('user-1');
    expect(events.at(-1)).toMatchObject({
      type: 'LOGIN_SUCCESS',
      userId: 'user-1',
      method: 'oauth',
    });
  });

  it('finds an existing user by verified email instead of creating one', async () => {
    h.users.byEmail.set('ada@example.com', 'user-existing');
    expect(await signIn()).toMatchObject({ userId: 'user-existing', created: false });
    expect(h.users.created()).toBe(0);
  });

  it('follows the link after the email changed at the provider', async () => {
    const first = await signIn();
    claims = { email: 'ada.lovelace@example.org', email_verified: true };
    const second = await signIn();
    expect(second.userId).toBe(first.userId);
    expect(second.created).toBe(false);
    expect(h.users.created()).toBe(1);
  });

  it('refuses a missing state cookie', async () => {
    await refused(
      signIn((parts) => {
        parts.cookie = '';
      }),
      'state-missing',
    );
  });

  it('refuses a state that is not the cookie’s', async () => {
    await refused(
      signIn((parts) => {
        parts.state = `${parts.state.slice(0, -1)}x`;
      }),
      'state-mismatch',
    );
  });

  it('refuses a missing state in the URL', async () => {
    await refused(
      signIn((parts) => {
        parts.state = '';
      }),
      'malformed-callback',
    );
  });

  it('refuses a cookie changed by one character', async () => {
    await refused(
      signIn((parts) => {
        const last = parts.cookie.at(-1) === 'A' ? 'B' : 'A';
        parts.cookie = parts.cookie.slice(0, -1) + last;
      }),
      'state-invalid',
    );
  });

  it('refuses a flow older than 10 minutes', async () => {
    await refused(
      signIn(() => h.clock.advance(600_000)),
      'state-expired',
    );
  });

  it('refuses a replayed code (the issuer spent it)', async () => {
    const started = h.oauth.start('oidc');
    const { code, state } = await authorize(started.location);
    const request = { query: { code, state }, cookieHeader: cookiePair(started.setCookie) };
    await h.oauth.callback('oidc', request);
    await expect(h.oauth.callback('oidc', request)).rejects.toMatchObject({
      code: 'ERR_OAUTH_CALLBACK',
    });
    expect(events.at(-1)).toMatchObject({ reason: 'code-exchange-failed' });
  });

  it('refuses a replayed callback before the issuer sees it, with a replay guard', async () => {
    h = await harness(server, {
      replayGuard: new MemoryNonceStore(),
      onEvent: (event) => events.push(event),
    });
    const started = h.oauth.start('oidc');
    const { code, state } = await authorize(started.location);
    const request = { query: { code, state }, cookieHeader: cookiePair(started.setCookie) };
    await h.oauth.callback('oidc', request);
    await expect(h.oauth.callback('oidc', request)).rejects.toMatchObject({
      code: 'ERR_OAUTH_CALLBACK',
    });
    expect(events.at(-1)).toMatchObject({ reason: 'state-replayed' });
  });

  it.each<[string, IdTokenClaims, string]>([
    ['an ID token for another audience', { aud: 'someone-else' }, 'id-token-invalid'],
    ['an ID token with another nonce', { nonce: 'not-the-flows-nonce' }, 'nonce-mismatch'],
    ['an expired ID token', { exp: Math.floor(Date.now() / 1000) - 3600 }, 'id-token-invalid'],
    ['an ID token authorised for another party', { azp: 'someone-else' }, 'id-token-invalid'],
    ['an unverified email', { email_verified: false }, 'email-unverified'],
  ])('refuses %s, creating nothing', async (_case, changed, reason) => {
    claims = { ...claims, ...changed };
    await refused(signIn(), reason);
  });

  it('refuses the provider’s error redirect without passing its text on', async () => {
    const started = h.oauth.start('oidc');
    const promise = h.oauth.callback('oidc', {
      query: { error: 'access_denied', error_description: '<script>alert(1)</script>' },
      cookieHeader: cookiePair(started.setCookie),
    });
    await expect(promise).rejects.toMatchObject({ detail: expect.not.stringContaining('script') });
    expect(events.at(-1)).toMatchObject({ reason: 'provider-error' });
  });

  it('follows a key rotation of the issuer (a new kid is fetched from its JWKS)', async () => {
    await signIn();
    const before = new Set(kids);
    await server.issuer.keys.generate('RS256');
    // The issuer signs round-robin: within a few flows an ID token comes with the new key.
    for (let i = 0; i < 4; i++) await signIn();
    expect(kids.some((kid) => !before.has(kid))).toBe(true);
    expect(h.users.created()).toBe(1);
  });
});

describe('linking and unlinking', () => {
  /** A flow started by a signed-in user to link this provider to their account. */
  async function linkFlow(userId: string) {
    const started = h.oauth.start('oidc', { linkUserId: userId });
    const { code, state } = await authorize(started.location);
    return h.oauth.callback('oidc', {
      query: { code, state },
      cookieHeader: cookiePair(started.setCookie),
    });
  }

  it('links the provider to the signed-in user, whatever the email says', async () => {
    claims = { email: 'someone-else@example.com', email_verified: false };
    expect(await linkFlow('user-signed-in')).toEqual({
      userId: 'user-signed-in',
      provider: 'oidc',
      created: false,
      linked: true,
    });
    expect(await h.links.find('oidc', 'johndoe')).toBe('user-signed-in');
    expect(h.users.created()).toBe(0);
  });

  it('refuses to link an account that already belongs to another user', async () => {
    await signIn();
    await expect(linkFlow('user-other')).rejects.toMatchObject({ code: 'ERR_OAUTH_CALLBACK' });
    expect(events.at(-1)).toMatchObject({ reason: 'already-linked' });
    expect(await h.links.find('oidc', 'johndoe')).toBe('user-1');
  });

  it('refuses to unlink the last way in, and unlinks when there is another', async () => {
    const { userId } = await signIn();
    await expect(h.oauth.unlink(userId, 'oidc', { hasPassword: false })).rejects.toMatchObject({
      status: 409,
      code: 'ERR_OAUTH_LAST_LOGIN',
    });
    expect(await h.oauth.links(userId)).toHaveLength(1);
    expect(await h.oauth.unlink(userId, 'oidc', { hasPassword: true })).toBe(true);
    expect(await h.oauth.links(userId)).toEqual([]);
    expect(await h.oauth.unlink(userId, 'oidc', { hasPassword: true })).toBe(false);
  });
});
