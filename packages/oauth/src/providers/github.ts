import { parseOptions } from '@rampart/core';
import { GitHub } from 'arctic';
import { z } from 'zod';
import { CallbackFailure } from '../errors.js';
import type { ProviderProfile } from '../profile.js';
import type { OAuthProvider } from '../provider.js';
import { timeoutMsSchema, withDeadline } from './deadline.js';
import { isSafeEndpoint } from './endpoint.js';

/** Options of {@link githubProvider}. */
export interface GitHubProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The REST API's base URL (GitHub Enterprise, or a test double). Default `https://api.github.com`. */
  apiBaseUrl?: string;
  /** How long GitHub may take to answer the code exchange or a profile request; default 10 000 ms. */
  timeoutMs?: number;
}

const githubSchema = z.strictObject({
  clientId: z.string().min(1).max(512),
  clientSecret: z.string().min(1).max(1024),
  redirectUri: z.string().refine(isSafeEndpoint, 'must be an https URL (http only on localhost).'),
  apiBaseUrl: z
    .string()
    .refine(isSafeEndpoint, 'must be an https URL (http only on localhost).')
    .default('https://api.github.com'),
  timeoutMs: timeoutMsSchema,
});

const userSchema = z.object({ id: z.number().int().positive() });
const emailsSchema = z.array(
  z.object({ email: z.string().max(320), primary: z.boolean(), verified: z.boolean() }),
);

async function githubJson(url: string, accessToken: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/vnd.github+json',
      'user-agent': '@rampart/oauth',
    },
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return response.json();
}

/**
 * Sign in with GitHub (OAuth 2.0, no ID token) on arctic's `GitHub` client. The subject is the
 * numeric user id (a login can be renamed and reused); the email is the **primary, verified**
 * one from `GET /user/emails` (scope `user:email`), never the profile's public email, which
 * anyone can set to anything. The route name is `github`.
 */
export function githubProvider(options: GitHubProviderOptions): OAuthProvider {
  const parsed = parseOptions('githubProvider', githubSchema, options);
  const github = new GitHub(parsed.clientId, parsed.clientSecret, parsed.redirectUri);
  const api = parsed.apiBaseUrl.replace(/\/$/, '');
  const provider: OAuthProvider = {
    name: 'github',
    // arctic's GitHub client sends no PKCE; the state in the sealed cookie stops login CSRF.
    authorizationUrl: ({ state }) =>
      github.createAuthorizationURL(state, ['read:user', 'user:email']),
    async complete({ code }): Promise<ProviderProfile> {
      let accessToken: string;
      try {
        const exchange = github.validateAuthorizationCode(code);
        accessToken = (
          await withDeadline(exchange, parsed.timeoutMs, 'the code exchange')
        ).accessToken();
      } catch {
        throw new CallbackFailure('code-exchange-failed');
      }
      try {
        const user = userSchema.parse(
          await githubJson(`${api}/user`, accessToken, parsed.timeoutMs),
        );
        const emails = emailsSchema.parse(
          await githubJson(`${api}/user/emails`, accessToken, parsed.timeoutMs),
        );
        const primary = emails.find((entry) => entry.primary && entry.verified);
        return { subject: String(user.id), verifiedEmail: primary?.email.toLowerCase() };
      } catch {
        throw new CallbackFailure('profile-unavailable');
      }
    },
  };
  return Object.freeze(provider);
}
