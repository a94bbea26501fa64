import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RampartConfigError, type SecurityEvent } from '@rampart/core';
import { createKeyRing } from '@rampart/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOAuth,
  discoverOidcProvider,
  MemoryOAuthLinkStore,
  oidcProvider,
} from '../src/index.js';
import { cookiePair, userDirectory } from './helpers/provider.js';

// A provider that accepts the connection and never answers: what a hung issuer looks like.
let silent: Server;
let base: string;
beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});

const client = {
  clientId: 'rampart-test-client',
  clientSecret: 'test-secret',
  redirectUri: 'http://localhost:9/callback',
};

describe('a provider that never answers', () => {
  it('fails discovery at start-up after timeoutMs, naming the issuer option', async () => {
    const discovery = discoverOidcProvider({ issuer: base, ...client, timeoutMs: 200 });
    await expect(discovery).rejects.toBeInstanceOf(RampartConfigError);
    await expect(discovery).rejects.toMatchObject({ option: 'discoverOidcProvider.issuer' });
  });

  it('refuses the callback after timeoutMs when the code exchange hangs', async () => {
    const provider = oidcProvider({
      issuer: base,
      ...client,
      timeoutMs: 200,
      metadata: {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
      },
    });
    const events: SecurityEvent[] = [];
    const oauth = createOAuth({
      providers: [provider],
      keyRing: createKeyRing({ keys: [{ id: 'k1', key: randomBytes(32) }] }),
      links: new MemoryOAuthLinkStore(),
      users: userDirectory(),
      onEvent: (event) => events.push(event),
    });
    const started = oauth.start('oidc');
    const state = new URL(started.location).searchParams.get('state') as string;
    const callback = oauth.callback('oidc', {
      query: { code: 'a-code', state },
      cookieHeader: cookiePair(started.setCookie),
    });
    await expect(callback).rejects.toMatchObject({ status: 400, code: 'ERR_OAUTH_CALLBACK' });
    expect(events.at(-1)).toMatchObject({ type: 'LOGIN_FAILURE', reason: 'code-exchange-failed' });
  });

  it('refuses a timeoutMs outside 100 ms to 2 minutes at start-up, naming it', () => {
    expect(() =>
      oidcProvider({
        issuer: base,
        ...client,
        timeoutMs: 0,
        metadata: {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          jwks_uri: `${base}/jwks`,
        },
      }),
    ).toThrow(expect.objectContaining({ option: 'oidcProvider.timeoutMs' }));
  });
});
