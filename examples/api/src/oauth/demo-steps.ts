import type { Step } from '../demo/tour.js';
import { OAUTH_BASE_PATH } from './app-oauth.js';

/**
 * Issue 22 (oauth), on the demo's embedded defaults (no provider is configured, none is
 * reachable here): the dashboard's list of "Sign in with …" providers is empty, and a provider
 * that is not configured is a 404 on both of its routes, before any redirect or cookie.
 */
export const oauthSteps: readonly Step[] = [
  {
    name: 'OAuth providers (none configured)',
    request: { method: 'GET', path: OAUTH_BASE_PATH },
    expect: { status: 200, json: { providers: [] } },
  },
  {
    name: 'OAuth sign-in, unconfigured provider',
    request: { method: 'GET', path: `${OAUTH_BASE_PATH}/google` },
    expect: {
      status: 404,
      problem: { code: 'ERR_NOT_FOUND' },
      absentHeaders: ['Set-Cookie', 'Location'],
    },
  },
  {
    name: 'OAuth callback, unconfigured provider',
    request: { method: 'GET', path: `${OAUTH_BASE_PATH}/google/callback?code=c&state=s` },
    expect: { status: 404, problem: { code: 'ERR_NOT_FOUND' }, absentHeaders: ['Set-Cookie'] },
  },
];
