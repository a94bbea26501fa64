import { type Clock, clockSchema, type SecurityEventHandler } from '@rampart/core';
import { z } from 'zod';
import { type BindingOptions, bindingOptionSchema } from './binding/scorer.js';
import { cookieNameSchema } from './cookie-name.js';
import type { SessionStore } from './store.js';

/** How the session cookie is written. */
export interface SessionCookieOptions {
  /**
   * Default `__Host-sid`: with the `__Host-` prefix the browser accepts the cookie only with
   * `Secure`, `Path=/` and no `Domain`, so no sibling subdomain can set or overwrite it.
   */
  name?: string;
  /** `lax` (default: top-level navigations from other sites carry it, subresources do not) or `strict`. */
  sameSite?: 'lax' | 'strict';
}

/** Options of `createSessions`. */
export interface SessionsOptions {
  /** Where sessions live: `MemorySessionStore`, `RedisSessionStore`, `PostgresSessionStore`. */
  store: SessionStore;
  /** A session with no request for this long ends. Default 1800 (30 minutes). */
  idleTimeoutSeconds?: number;
  /** A session ends this long after sign-in whatever its activity. Default 43 200 (12 hours). */
  absoluteTimeoutSeconds?: number;
  /**
   * A request refreshes the idle clock only when the last refresh is at least this old, so a busy
   * session costs one store write per interval. `0` refreshes on every request. Default 60.
   */
  touchIntervalSeconds?: number;
  /** Live sessions a user may hold at once. Default 5. */
  maxSessionsPerUser?: number;
  /** What a sign-in beyond the cap does: `evict-lru` (default) or `reject-new` (409 `ERR_SESSION_LIMIT`). */
  whenLimitReached?: 'evict-lru' | 'reject-new';
  /**
   * How long a timed-out session is remembered, so its cookie answers `ERR_SESSION_EXPIRED`
   * rather than `ERR_SESSION_INVALID`. Default 3600.
   */
  rememberExpiredSeconds?: number;
  cookie?: SessionCookieOptions;
  /**
   * The drift-tolerant binding (docs/sessions.md): `false` turns it off; an object overrides the
   * weights and thresholds. Default on, with `DEFAULT_BINDING_WEIGHTS`.
   */
  binding?: false | BindingOptions;
  /** Where time comes from; default the system clock. */
  clock?: Clock;
  /** Receives `SESSION_CREATED`, `SESSION_REVOKED`, `SESSION_HIJACK_ATTEMPT`, `SESSION_SUSPICIOUS`, `INVALID_TOKEN`. */
  onEvent?: SecurityEventHandler;
}

const DAY_SECONDS = 86_400;
const seconds = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/** The store the service calls, recognised by the methods it calls. */
const storeSchema = z.custom<SessionStore>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    [
      'create',
      'authenticate',
      'record',
      'replace',
      'list',
      'revoke',
      'revokeOthers',
      'revokeAllForUser',
      'purgeUser',
    ].every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  'must be a SessionStore (MemorySessionStore, RedisSessionStore, PostgresSessionStore …)',
);

export const sessionsOptionsSchema = z
  .strictObject({
    store: storeSchema,
    idleTimeoutSeconds: seconds(1, 30 * DAY_SECONDS, 1800),
    absoluteTimeoutSeconds: seconds(1, 400 * DAY_SECONDS, 43_200),
    touchIntervalSeconds: seconds(0, DAY_SECONDS, 60),
    maxSessionsPerUser: z.number().int().min(1).max(1000).default(5),
    whenLimitReached: z
      .enum(['evict-lru', 'reject-new'], { error: "must be 'evict-lru' or 'reject-new'." })
      .default('evict-lru'),
    rememberExpiredSeconds: seconds(0, 30 * DAY_SECONDS, 3600),
    cookie: z
      .strictObject({
        name: cookieNameSchema.default('__Host-sid'),
        sameSite: z.enum(['lax', 'strict'], { error: "must be 'lax' or 'strict'." }).default('lax'),
      })
      .default({ name: '__Host-sid', sameSite: 'lax' }),
    binding: bindingOptionSchema.default({ suspiciousAt: 1, hijackAt: 100 }),
    clock: clockSchema.optional(),
    onEvent: z
      .custom<SecurityEventHandler>((value) => typeof value === 'function', 'must be a function')
      .optional(),
  })
  .refine((options) => options.touchIntervalSeconds < options.idleTimeoutSeconds, {
    error:
      'touchIntervalSeconds must be shorter than idleTimeoutSeconds, or a session would time out between refreshes.',
    path: ['touchIntervalSeconds'],
  })
  .refine((options) => options.idleTimeoutSeconds <= options.absoluteTimeoutSeconds, {
    error: 'idleTimeoutSeconds must not be longer than absoluteTimeoutSeconds.',
    path: ['idleTimeoutSeconds'],
  });
