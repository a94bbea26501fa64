import type { RateLimitPolicy, RateLimitRequest } from '@rampart/rate-limit';
import { EMAIL_PATTERN } from './config.js';
import { normalizeEmail } from './users/user-store.js';

/** Longer text is no email the login accepts (it allows 254 characters after trimming). */
const MAX_EMAIL_KEY = 320;

/**
 * The login limit of EXAMPLE-API.md: 5 attempts per 15 minutes per (client IP, email), counted
 * whether they succeed or not, so the 6th is refused even with the right password. Sliding
 * window: a fixed window would let 10 attempts through around a window boundary.
 */
export const LOGIN_POLICIES: Readonly<Record<string, RateLimitPolicy>> = Object.freeze({
  login: { algorithm: 'sliding-window', limit: 5, windowMs: 15 * 60_000 },
});

/**
 * The scope of both logins' limits (`POST /api/v1/auth/login` and the browser's
 * `POST /api/v1/sessions`): one budget per (IP, email) whichever route spends it.
 */
export const LOGIN_SCOPE = 'login';

/**
 * `POST /api/v1/auth/password` proves the current password: a guess of it, like a login. The same
 * 5 attempts per 15 minutes (`LOGIN_POLICIES`), successful or not, per (client IP, user): the body
 * holds no email, and the route is authenticated, so the caller is the user (`key: ['ip',
 * 'principal']`). Its own scope: the login's (IP, email) counters cannot be keyed by the caller.
 */
export const PASSWORD_CHANGE_SCOPE = 'password-change';

/**
 * Login attempts per client IP, whatever the email, checked before the (IP, email) limit. Not in
 * EXAMPLE-API.md, and sized far above what it asks (5 per email): its job is to bound how many
 * (IP, email) counters one address can create. Without it one client rotating emails filled the
 * memory store's 100,000 counters in ~100,000 requests, and a full store refuses every new
 * client (503) rather than forget a counter, so nobody could log in. Now that takes 100 addresses.
 */
export const LOGIN_IP_POLICIES: Readonly<Record<string, RateLimitPolicy>> = Object.freeze({
  'login-ip': { algorithm: 'sliding-window', limit: 1000, windowMs: 15 * 60_000 },
});

/**
 * The email part of the login key, normalised as the users store does, so `Bob@x.io ` and
 * `bob@x.io` share one bucket. The body is untrusted and not validated yet (the limit runs
 * first): anything but an object with a string email counts under "no email".
 */
export function loginEmailKey(request: RateLimitRequest): string | undefined {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const email = (body as { email?: unknown }).email;
  if (typeof email !== 'string' || email.length > MAX_EMAIL_KEY) return undefined;
  const normalized = normalizeEmail(email);
  // Only an address the login could accept gets its own bucket; anything else (which the login
  // answers 400) shares the "no email" one, so junk in the email creates no counters.
  return EMAIL_PATTERN.test(normalized) ? normalized : undefined;
}

/** A fixed scope, which the early answer of a body refused before the limit ran reads too. */
export const REGISTER_SCOPE = 'register';

/**
 * Registrations per client IP and hour (`REGISTER_LIMIT_PER_HOUR`, default 3). Each one costs an
 * argon2id hash, and a taken email answers 409: counted before either, on every request that
 * reaches the route (a weak password too, as a wrong password counts for login), so neither the
 * CPU nor the 409 is open to one client faster than this.
 */
export function registerPolicies(limitPerHour: number): Readonly<Record<string, RateLimitPolicy>> {
  return Object.freeze({
    register: { algorithm: 'sliding-window', limit: limitPerHour, windowMs: 60 * 60_000 },
  });
}

/** 100 requests per minute per principal on `/api/v1/entities/*`, every route sharing them. */
export const ENTITIES_POLICIES: Readonly<Record<string, RateLimitPolicy>> = Object.freeze({
  entities: { algorithm: 'sliding-window', limit: 100, windowMs: 60_000 },
});

/** A fixed scope: reads and writes of every entity spend one budget per principal. */
export const ENTITIES_SCOPE = 'entities';
