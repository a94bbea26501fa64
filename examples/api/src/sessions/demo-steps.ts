import { jsonRequest, saved } from '../demo/requests.js';
import type { Step, StepRequest, StepResponse, Tour } from '../demo/tour.js';

const SESSIONS = '/api/v1/sessions';
const ME = '/api/v1/me';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const admin = (tour: Tour) => ({
  email: tour.secrets.ADMIN_EMAIL as string,
  password: tour.secrets.ADMIN_PASSWORD as string,
});

/** A request as a browser sends it: its User-Agent, the session cookie, same-origin. */
function browser(
  tour: Tour,
  method: string,
  path: string,
  userAgent: string,
  cookieKey?: string,
  site = 'same-origin',
): StepRequest {
  const headers: Record<string, string> = { 'user-agent': userAgent, 'sec-fetch-site': site };
  if (cookieKey !== undefined) headers.cookie = saved(tour, cookieKey);
  return { method, path, headers };
}

/** Keeps `name=value` of the session cookie the response set. */
function keepCookie(key: string) {
  return (response: StepResponse, tour: Tour): void => {
    const cookie = response.headers
      .getSetCookie()
      .find((header) => header.startsWith('__Host-sid='));
    if (cookie === undefined) throw new Error('the response set no __Host-sid cookie');
    tour.vars.set(key, cookie.split(';')[0]);
  };
}

function signIn(userAgent: string) {
  return (tour: Tour): StepRequest => {
    const request = jsonRequest('POST', SESSIONS, admin(tour));
    return { ...request, headers: { ...request.headers, 'user-agent': userAgent } };
  };
}

const COOKIE =
  /^__Host-sid=[A-Za-z0-9_-]{22}\.[0-9A-Za-z]{49}; Path=\/; Max-Age=\d+; Secure; HttpOnly; SameSite=Lax$/;

/**
 * Issue 17 (sessions): the admin signs in by cookie from Firefox and from Chrome (two logins of
 * the shared login budget), lists both sessions, ends the other one, is refused a cross-site
 * request, and the Firefox cookie presented by curl (a stolen cookie) is refused and revoked.
 */
export const sessionSteps: readonly Step[] = [
  {
    name: 'sign in by cookie (Firefox)',
    request: signIn(FIREFOX),
    expect: { status: 201, headers: { 'Set-Cookie': COOKIE } },
    save: keepCookie('sessions.firefox'),
  },
  {
    name: 'the cookie authenticates /me',
    request: (tour) => browser(tour, 'GET', ME, FIREFOX, 'sessions.firefox'),
    expect: (tour) => ({ status: 200, json: { email: admin(tour).email } }),
  },
  {
    name: 'sign in by cookie (Chrome)',
    request: signIn(CHROME),
    expect: { status: 201, headers: { 'Set-Cookie': COOKIE } },
    save: keepCookie('sessions.chrome'),
  },
  {
    name: 'list sessions: two, the current one marked',
    request: (tour) => browser(tour, 'GET', SESSIONS, FIREFOX, 'sessions.firefox'),
    expect: { status: 200 },
    save: (response) => {
      const list = response.json as Array<{ current: boolean }>;
      if (!Array.isArray(list) || list.length !== 2 || list.filter((s) => s.current).length !== 1) {
        throw new Error('expected two sessions, one of them current');
      }
    },
  },
  {
    name: 'a cross-site request with the cookie',
    request: (tour) => browser(tour, 'DELETE', SESSIONS, FIREFOX, 'sessions.firefox', 'cross-site'),
    expect: { status: 403, problem: { code: 'ERR_CSRF' } },
  },
  {
    name: 'end every other session',
    request: (tour) => browser(tour, 'DELETE', SESSIONS, FIREFOX, 'sessions.firefox'),
    expect: { status: 204 },
  },
  {
    name: 'the other session is gone',
    request: (tour) => browser(tour, 'GET', ME, CHROME, 'sessions.chrome'),
    expect: { status: 401, problem: { code: 'ERR_SESSION_INVALID' } },
  },
  {
    name: 'the Firefox cookie stolen and replayed by curl',
    request: (tour) => browser(tour, 'GET', ME, 'curl/8.5.0', 'sessions.firefox'),
    expect: { status: 401, problem: { code: 'ERR_SESSION_BINDING' } },
  },
  {
    name: 'the stolen session was revoked for its owner too',
    request: (tour) => browser(tour, 'GET', ME, FIREFOX, 'sessions.firefox'),
    expect: { status: 401, problem: { code: 'ERR_SESSION_INVALID' } },
  },
];
