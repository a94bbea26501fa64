import {
  type Clock,
  clockSchema,
  createEventEmitter,
  type NonceStore,
  notFoundError,
  parseOptions,
  RampartConfigError,
  type SecurityEventHandler,
  systemClock,
} from '@rampart/core';
import { constantTimeEqual, type KeyRing, randomToken } from '@rampart/crypto';
import { z } from 'zod';
import { flowCookie, flowCookieName, readCookie } from './cookie.js';
import { CallbackFailure, lastLoginError, oauthCallbackError } from './errors.js';
import type { OAuthProvider } from './provider.js';
import { openFlowState, sealFlowState } from './state-cookie.js';
import type { OAuthLink, OAuthLinkStore } from './store.js';

/** How the app finds or creates the user of a first sign-in. */
export interface OAuthUserDirectory {
  /** The user whose **verified** email this is, or `undefined`. */
  findByVerifiedEmail(email: string): Promise<string | undefined>;
  /** Creates a user for a provider account with a verified email; resolves its id. */
  createUser(account: { email: string; provider: string; subject: string }): Promise<string>;
}

/** Options of {@link createOAuth}. */
export interface OAuthOptions {
  providers: readonly OAuthProvider[];
  /** Seals the flow cookie (`@rampart/crypto`'s key ring; every process shares its keys). */
  keyRing: KeyRing;
  links: OAuthLinkStore;
  users: OAuthUserDirectory;
  /**
   * Claims each flow's state once, so a callback replayed with the same cookie and code is
   * refused even by a provider that would exchange a code twice. Optional: providers spend codes.
   */
  replayGuard?: NonceStore;
  /** How long a started flow may take, in seconds: 60–600, default 600 (10 minutes). */
  flowTtlSeconds?: number;
  /** `__Host-` cookie with `Secure` (default `true`); `false` only for plain-HTTP development. */
  secureCookie?: boolean;
  clock?: Clock;
  onEvent?: SecurityEventHandler;
}

/** Where `start` sends the browser, and the cookie to set on that redirect. */
export interface OAuthStart {
  readonly location: string;
  readonly setCookie: string;
}

/** A completed sign-in (or link). */
export interface OAuthSignIn {
  readonly userId: string;
  readonly provider: string;
  /** True when this sign-in created the user. */
  readonly created: boolean;
  /** True when this callback linked a provider to a signed-in user. */
  readonly linked: boolean;
}

/** The request facts a callback reads. */
export interface OAuthCallbackRequest {
  readonly query: Readonly<Record<string, unknown>>;
  readonly cookieHeader: string | string[] | undefined;
  readonly ip?: string;
}

/** The flow service: built once by {@link createOAuth}, used by the Express and Fastify routes. */
export interface OAuth {
  /** The configured providers' names (for a "Sign in with …" list). */
  readonly providerNames: readonly string[];
  /** The `Set-Cookie` value that clears the flow cookie (sent with every callback answer). */
  readonly clearCookie: string;
  /** Starts a sign-in with `provider` (404 when unconfigured); `linkUserId` links it instead. */
  start(provider: string, options?: { linkUserId?: string }): OAuthStart;
  /** Completes a flow; every refusal is 400 `ERR_OAUTH_CALLBACK`, nothing created. */
  callback(provider: string, request: OAuthCallbackRequest): Promise<OAuthSignIn>;
  /** The user's links (provider and when; the subject is the provider's id of them). */
  links(userId: string): Promise<OAuthLink[]>;
  /**
   * Unlinks `provider` from the user; 409 `ERR_OAUTH_LAST_LOGIN` when it is their only way in
   * (`hasPassword: false` and no other link).
   */
  unlink(userId: string, provider: string, options: { hasPassword: boolean }): Promise<boolean>;
}

const custom = <T>(what: string, check: (value: unknown) => boolean) =>
  z.custom<T>(check, `must be ${what}.`);
const hasMethods =
  (...names: string[]) =>
  (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const optionsSchema = z.strictObject({
  providers: z
    .array(
      custom<OAuthProvider>(
        'a provider (oidcProvider, googleProvider, githubProvider …)',
        hasMethods('authorizationUrl', 'complete'),
      ),
    )
    .min(1),
  keyRing: custom<KeyRing>('a key ring from createKeyRing', hasMethods('seal', 'openText')),
  links: custom<OAuthLinkStore>(
    'an OAuthLinkStore',
    hasMethods('link', 'find', 'listByUser', 'unlink', 'purgeUser'),
  ),
  users: custom<OAuthUserDirectory>(
    '{ findByVerifiedEmail, createUser }',
    hasMethods('findByVerifiedEmail', 'createUser'),
  ),
  replayGuard: custom<NonceStore>('a NonceStore', hasMethods('claim')).optional(),
  flowTtlSeconds: z.number().int().min(60).max(600).default(600),
  secureCookie: z.boolean().default(true),
  clock: clockSchema.default(systemClock),
  onEvent: custom<SecurityEventHandler>(
    'a function',
    (value) => typeof value === 'function',
  ).optional(),
});

/** A code or state as providers send them: printable ASCII, bounded. */
const CALLBACK_VALUE = /^[\x21-\x7e]{1,2048}$/;

function callbackValue(query: Readonly<Record<string, unknown>>, name: string): string {
  const value = query[name];
  if (typeof value !== 'string' || !CALLBACK_VALUE.test(value))
    throw new CallbackFailure('malformed-callback');
  return value;
}

/**
 * The sign-in flow over a set of providers. `start` makes a `state`, a PKCE verifier and a
 * `nonce` (each 256 bits from crypto's `randomToken`) and seals them, with the provider and an
 * expiry, into a short-lived cookie: nothing is stored on the server, so any process of the app
 * can take the callback. `callback` opens the cookie (AAD-bound to the provider), compares the
 * state in constant time, has the provider exchange the code (once) and verify what it returned
 * (the ID token's signature, `iss`, `aud`, `azp`, `exp`, `nonce`), then follows the
 * `(provider, subject)` link, or finds the user by verified email, or creates one, and links.
 * Every refusal is the same 400 `ERR_OAUTH_CALLBACK`; the reason goes to the `LOGIN_FAILURE`
 * event, never to the client.
 */
export function createOAuth(options: OAuthOptions): OAuth {
  const parsed = parseOptions('createOAuth', optionsSchema, options);
  const providers = new Map<string, OAuthProvider>();
  for (const [index, provider] of parsed.providers.entries()) {
    if (providers.has(provider.name)) {
      throw new RampartConfigError(
        `createOAuth.providers.${index}`,
        `is a second provider named "${provider.name}".`,
      );
    }
    providers.set(provider.name, provider);
  }
  const { keyRing, links, users, clock, secureCookie, flowTtlSeconds, replayGuard } = parsed;
  const cookieName = flowCookieName(secureCookie);
  const emit = createEventEmitter({ source: '@rampart/oauth', clock, onEvent: parsed.onEvent });

  function providerOf(name: string): OAuthProvider {
    const provider = providers.get(name);
    if (provider === undefined) throw notFoundError();
    return provider;
  }

  async function userFor(
    provider: string,
    subject: string,
    verifiedEmail: string | undefined,
    linkUserId: string | undefined,
  ): Promise<OAuthSignIn> {
    const now = clock.now();
    if (linkUserId !== undefined) {
      const owner = await links.link(provider, subject, linkUserId, now);
      if (owner !== linkUserId) throw new CallbackFailure('already-linked');
      return { userId: linkUserId, provider, created: false, linked: true };
    }
    const linked = await links.find(provider, subject);
    if (linked !== undefined) return { userId: linked, provider, created: false, linked: false };
    // A first sign-in: only a verified email may find or make an account.
    if (verifiedEmail === undefined) throw new CallbackFailure('email-unverified');
    const existing = await users.findByVerifiedEmail(verifiedEmail);
    const userId =
      existing ?? (await users.createUser({ email: verifiedEmail, provider, subject }));
    const owner = await links.link(provider, subject, userId, now);
    return {
      userId: owner,
      provider,
      created: existing === undefined && owner === userId,
      linked: false,
    };
  }

  return Object.freeze({
    providerNames: Object.freeze([...providers.keys()]),
    clearCookie: flowCookie(cookieName, '', 0, secureCookie),

    start(name: string, startOptions: { linkUserId?: string } = {}): OAuthStart {
      const provider = providerOf(name);
      const flow = {
        provider: name,
        state: randomToken({ checksum: false }),
        // RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~]; base62 of 32 bytes is 43.
        codeVerifier: randomToken({ checksum: false }),
        nonce: randomToken({ checksum: false }),
        expiresAt: clock.now() + flowTtlSeconds * 1000,
        ...(startOptions.linkUserId === undefined ? {} : { linkUserId: startOptions.linkUserId }),
      };
      return {
        location: provider.authorizationUrl(flow).href,
        setCookie: flowCookie(
          cookieName,
          sealFlowState(keyRing, flow),
          flowTtlSeconds,
          secureCookie,
        ),
      };
    },

    async callback(name: string, request: OAuthCallbackRequest): Promise<OAuthSignIn> {
      const provider = providerOf(name);
      try {
        if (request.query.error !== undefined) throw new CallbackFailure('provider-error');
        const code = callbackValue(request.query, 'code');
        const state = callbackValue(request.query, 'state');
        const sealed = readCookie(request.cookieHeader, cookieName);
        if (sealed === undefined) throw new CallbackFailure('state-missing');
        const flow = openFlowState(keyRing, name, sealed, clock.now());
        if (!constantTimeEqual(state, flow.state)) throw new CallbackFailure('state-mismatch');
        if (replayGuard !== undefined) {
          const first = await replayGuard.claim(
            'oauth-state',
            flow.state,
            Math.max(1, flow.expiresAt - clock.now()),
          );
          if (!first) throw new CallbackFailure('state-replayed');
        }
        const profile = await provider.complete({
          code,
          codeVerifier: flow.codeVerifier,
          nonce: flow.nonce,
        });
        const signIn = await userFor(name, profile.subject, profile.verifiedEmail, flow.linkUserId);
        emit({
          type: 'LOGIN_SUCCESS',
          severity: 'info',
          userId: signIn.userId,
          method: 'oauth',
          ...(request.ip === undefined ? {} : { ip: request.ip }),
          detail: { provider: name, created: signIn.created, linked: signIn.linked },
        });
        return signIn;
      } catch (error) {
        if (!(error instanceof CallbackFailure)) throw error;
        emit({
          type: 'LOGIN_FAILURE',
          severity: 'warning',
          code: 'ERR_OAUTH_CALLBACK',
          reason: error.reason,
          method: 'oauth',
          ...(request.ip === undefined ? {} : { ip: request.ip }),
          detail: { provider: name },
        });
        throw oauthCallbackError();
      }
    },

    links: (userId: string) => links.listByUser(userId),

    async unlink(
      userId: string,
      provider: string,
      unlinkOptions: { hasPassword: boolean },
    ): Promise<boolean> {
      const current = await links.listByUser(userId);
      if (!current.some((link) => link.provider === provider)) return false;
      if (!unlinkOptions.hasPassword && current.length <= 1) throw lastLoginError();
      return links.unlink(userId, provider);
    },
  });
}
