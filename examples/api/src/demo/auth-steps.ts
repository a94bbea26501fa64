import { account, jsonRequest, keep, saved } from './requests.js';
import type { Step, Tour } from './tour.js';

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';
const ME = '/api/v1/me';
const TOKEN_INVALID = { status: 401, problem: { code: 'ERR_TOKEN_INVALID' } } as const;

const login = (tour: Tour) => jsonRequest('POST', LOGIN, account(tour, 'demo'));
const pairOk = {
  status: 200,
  json: { tokenType: 'Bearer', expiresIn: 900 },
  // Both login limiters' policies, one list (per IP first, then per (IP, email)).
  headers: { 'RateLimit-Policy': '"login-ip";q=1000;w=900,"login";q=5;w=900' },
};

/**
 * Issue 4 (passwords, jwt-nonce): register, login, `/me`, logout, and refresh rotation with
 * reuse detection. The demo account logs in 3 times, within its login budget of 5.
 */
export const authSteps: readonly Step[] = [
  {
    name: 'register',
    request: (tour) => jsonRequest('POST', REGISTER, account(tour, 'demo')),
    expect: (tour) => ({ status: 201, json: { email: account(tour, 'demo').email } }),
    save: keep('user', 'id'),
  },
  {
    name: 'register: email taken',
    request: (tour) => jsonRequest('POST', REGISTER, account(tour, 'demo')),
    expect: { status: 409, problem: { code: 'ERR_EMAIL_TAKEN' } },
  },
  {
    name: 'register: weak password',
    request: (tour) =>
      jsonRequest('POST', REGISTER, { email: account(tour, 'weak').email, password: 'tiny-pass' }),
    expect: {
      status: 400,
      problem: { code: 'ERR_PASSWORD_POLICY' },
      json: { failedRules: ['min-length'] },
    },
  },
  {
    name: 'login',
    request: login,
    expect: {
      ...pairOk,
      headers: { ...pairOk.headers, RateLimit: /^"login-ip";r=\d+;t=\d+,"login";r=4;t=\d+$/ },
    },
    save: keep('first', 'accessToken'),
  },
  {
    name: 'me with the token',
    request: (tour) => jsonRequest('GET', ME, undefined, saved(tour, 'first.accessToken')),
    expect: (tour) => ({
      status: 200,
      json: {
        id: saved(tour, 'user.id'),
        email: account(tour, 'demo').email,
        role: 'user',
        mfaEnabled: false,
      },
    }),
  },
  {
    name: 'me without a token',
    request: jsonRequest('GET', ME),
    // No credential at all: every scheme the app accepts is offered (an API key, a bearer token).
    expect: {
      status: 401,
      problem: { code: 'ERR_AUTH_REQUIRED' },
      headers: { 'WWW-Authenticate': /\bBearer\b/ },
    },
  },
  {
    name: 'logout',
    request: (tour) => jsonRequest('POST', LOGOUT, undefined, saved(tour, 'first.accessToken')),
    expect: { status: 200 },
  },
  {
    name: 'logout: same token refused',
    request: (tour) => jsonRequest('GET', ME, undefined, saved(tour, 'first.accessToken')),
    expect: TOKEN_INVALID,
  },
  {
    name: 'login again',
    request: login,
    expect: pairOk,
    save: keep('second', 'refreshToken'),
  },
  {
    name: 'refresh: rotated',
    request: (tour) =>
      jsonRequest('POST', REFRESH, { refreshToken: saved(tour, 'second.refreshToken') }),
    expect: { status: 200, json: { tokenType: 'Bearer' } },
    save: keep('rotated', 'accessToken', 'refreshToken'),
  },
  {
    name: 'refresh: old token reused',
    request: (tour) =>
      jsonRequest('POST', REFRESH, { refreshToken: saved(tour, 'second.refreshToken') }),
    expect: TOKEN_INVALID,
  },
  {
    name: 'reuse revoked the newer refresh',
    request: (tour) =>
      jsonRequest('POST', REFRESH, { refreshToken: saved(tour, 'rotated.refreshToken') }),
    expect: TOKEN_INVALID,
  },
  {
    name: 'reuse revoked the newer access',
    request: (tour) => jsonRequest('GET', ME, undefined, saved(tour, 'rotated.accessToken')),
    expect: TOKEN_INVALID,
  },
  {
    name: 'login for the entities',
    request: login,
    expect: pairOk,
    save: keep('session', 'accessToken'),
  },
];

/** The login limit of EXAMPLE-API.md, per (IP, email) and 15 minutes. */
const LOGIN_BUDGET = 5;
/** The demo account's logins in `authSteps` (login, login again, login for the entities). */
const LOGINS_SO_FAR = 3;

const wrongPassword = (tour: Tour) =>
  jsonRequest('POST', LOGIN, { email: account(tour, 'demo').email, password: 'not-the-password' });

/** Attempt `n` of the demo account, within its budget: the remaining quota counting down. */
function attempt(n: number, right: boolean): Step {
  const left = LOGIN_BUDGET - n;
  const remaining = {
    RateLimit: new RegExp(`^"login-ip";r=\\d+;t=\\d+,"login";r=${left};t=\\d+$`),
  };
  return {
    name: `login limit: attempt ${n}, ${right ? 'right' : 'wrong'}, ${left} left`,
    request: right ? login : wrongPassword,
    expect: right
      ? { status: 200, headers: remaining }
      : {
          status: 401,
          problem: { code: 'ERR_LOGIN_FAILED' },
          headers: { ...remaining, 'X-RateLimit-Remaining': String(left) },
        },
  };
}

/**
 * Issue 3 (rate-limit): 5 login attempts per 15 minutes per (IP, email), counted whether they
 * succeed or not: after its 3 logins, a wrong password and a right one spend the demo account's
 * budget, and the next attempt is refused even with the right password. The tour reuses the demo
 * account rather than register another, so it registers at most 3 times from one IP
 * (`REGISTER_LIMIT_PER_HOUR`, default 3).
 */
export const loginLimitSteps: readonly Step[] = [
  attempt(LOGINS_SO_FAR + 1, false),
  attempt(LOGINS_SO_FAR + 2, true),
  {
    name: `login limit: attempt ${LOGIN_BUDGET + 1}, right, refused`,
    request: login,
    expect: {
      status: 429,
      problem: { code: 'ERR_RATE_LIMIT_EXCEEDED' },
      headers: { 'Retry-After': /^[1-9][0-9]*$/, 'X-RateLimit-Remaining': '0' },
    },
  },
];
