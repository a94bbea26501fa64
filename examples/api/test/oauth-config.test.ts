import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { runAppToExit } from '../src/demo/app-process.js';
import { parseOAuthConfig } from '../src/oauth/oauth-config.js';
import { testSecrets } from './api-client.js';

vi.setConfig({ testTimeout: 60_000 });

const reader = (vars: Record<string, string>) => (name: string) => vars[name];

describe('the OAUTH_* variables', () => {
  it('configures no provider when none is set', () => {
    expect(parseOAuthConfig(reader({}))).toEqual({});
  });

  it('takes each provider whole, and PUBLIC_URL without its trailing slash', () => {
    const config = parseOAuthConfig(
      reader({
        OAUTH_OIDC_ISSUER: 'https://login.example.org',
        OAUTH_OIDC_CLIENT_ID: 'app',
        OAUTH_OIDC_CLIENT_SECRET: 's3cret',
        OAUTH_GITHUB_CLIENT_ID: 'gh-id',
        OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
        PUBLIC_URL: 'https://app.example.com/',
      }),
    );
    expect(config).toEqual({
      oidc: { issuer: 'https://login.example.org', clientId: 'app', clientSecret: 's3cret' },
      github: { clientId: 'gh-id', clientSecret: 'gh-secret' },
      publicUrl: 'https://app.example.com',
    });
  });

  it.each([
    [{ OAUTH_GITHUB_CLIENT_ID: 'id' }, 'OAUTH_GITHUB_CLIENT_SECRET'],
    [{ OAUTH_GOOGLE_CLIENT_SECRET: 'secret' }, 'OAUTH_GOOGLE_CLIENT_ID'],
    [{ OAUTH_OIDC_CLIENT_ID: 'id', OAUTH_OIDC_CLIENT_SECRET: 's' }, 'OAUTH_OIDC_ISSUER'],
    [{ OAUTH_OIDC_ISSUER: 'https://login.example.org' }, 'OAUTH_OIDC_CLIENT_ID'],
    [
      {
        OAUTH_OIDC_ISSUER: 'http://login.example.org',
        OAUTH_OIDC_CLIENT_ID: 'i',
        OAUTH_OIDC_CLIENT_SECRET: 's',
      },
      'OAUTH_OIDC_ISSUER',
    ],
    [
      { OAUTH_OIDC_ISSUER: 'not a url', OAUTH_OIDC_CLIENT_ID: 'i', OAUTH_OIDC_CLIENT_SECRET: 's' },
      'OAUTH_OIDC_ISSUER',
    ],
    [
      { OAUTH_GITHUB_CLIENT_ID: 'has space', OAUTH_GITHUB_CLIENT_SECRET: 's' },
      'OAUTH_GITHUB_CLIENT_ID',
    ],
    [
      { OAUTH_GITHUB_CLIENT_ID: 'i', OAUTH_GITHUB_CLIENT_SECRET: 'x'.repeat(1025) },
      'OAUTH_GITHUB_CLIENT_SECRET',
    ],
    [
      {
        OAUTH_GITHUB_CLIENT_ID: 'i',
        OAUTH_GITHUB_CLIENT_SECRET: 's',
        PUBLIC_URL: 'http://app.example.com',
      },
      'PUBLIC_URL',
    ],
  ])('refuses %j naming %s, never echoing a value', (vars, name) => {
    expect(() => parseOAuthConfig(reader(vars))).toThrow(new RegExp(`^${name}: `));
    try {
      parseOAuthConfig(reader(vars));
    } catch (error) {
      expect((error as Error).message).not.toContain('has space');
    }
  });

  it('stops the app with exit 2 naming OAUTH_OIDC_ISSUER when discovery fails', async () => {
    // An issuer that answers, but with no metadata: a 404 for the discovery document.
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const exit = await runAppToExit({
        args: ['--port', '0'],
        env: {
          ...testSecrets(),
          OAUTH_OIDC_ISSUER: `http://127.0.0.1:${port}`,
          OAUTH_OIDC_CLIENT_ID: 'app',
          OAUTH_OIDC_CLIENT_SECRET: 'the-client-secret-value',
        },
      });
      expect(exit.code).toBe(2);
      expect(exit.stderr).toMatch(/^example-api: OAUTH_OIDC_ISSUER: .*could not be read/m);
      expect(exit.stdout).not.toContain('Listening on');
      expect(exit.stderr).not.toContain('the-client-secret-value');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('stops the app with exit 2 for a partial provider', async () => {
    const exit = await runAppToExit({
      args: ['--port', '0'],
      env: { ...testSecrets(), OAUTH_GOOGLE_CLIENT_ID: 'only-the-id' },
    });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^example-api: OAUTH_GOOGLE_CLIENT_SECRET: /m);
  });
});
