import { accessSteps } from '../access/demo-steps.js';
import { apiKeySteps } from '../api-keys/demo-steps.js';
import { auditSteps } from '../audit/demo-steps.js';
import { API_SECURITY_HEADERS } from '../headers/security-layers.js';
import { idempotencySteps } from '../idempotency/demo-steps.js';
import { mfaSteps } from '../mfa/demo-steps.js';
import { oauthSteps } from '../oauth/demo-steps.js';
import { sessionSteps } from '../sessions/demo-steps.js';
import { authSteps, loginLimitSteps } from './auth-steps.js';
import { entitySteps } from './entity-steps.js';
import type { Invariant, Step, StepRequest } from './tour.js';

/** A path no issue will ever build: any route the app does not serve must answer like it. */
const UNKNOWN_PATH = '/api/v1/no-such-route';
/**
 * The general body rules (400, 413, 415) are shown on a real route that takes a JSON body: the
 * refresh route, which has no rate limit and changes nothing for a body it refuses.
 */
const BODY_PATH = '/api/v1/auth/refresh';
const ONE_MIB = 1024 * 1024;

function post(contentType: string, body: string): StepRequest {
  return { method: 'POST', path: BODY_PATH, headers: { 'content-type': contentType }, body };
}

/**
 * A refresh body of exactly `bytes` bytes, `{"refreshToken":"aaa…"}`: valid JSON of the right
 * shape, so only its size decides whether it reaches the route's own validation.
 */
function refreshBodyOfSize(bytes: number): string {
  const frame = JSON.stringify({ refreshToken: '' }).length;
  return JSON.stringify({ refreshToken: 'a'.repeat(bytes - frame) });
}

/** The skeleton's steps: health and the general rules of EXAMPLE-API.md. */
export const skeletonSteps: readonly Step[] = [
  {
    name: 'health',
    request: { method: 'GET', path: '/health' },
    expect: (tour) => ({ status: 200, json: { status: 'ok', store: tour.store } }),
  },
  {
    name: 'security headers',
    request: { method: 'GET', path: '/health' },
    expect: { status: 200, headers: API_SECURITY_HEADERS, absentHeaders: ['X-Powered-By'] },
  },
  {
    // A page on an origin outside CORS_ORIGINS asks to call the API: the preflight is answered
    // (204, never an error) without a single CORS header, so the browser stops there.
    name: 'preflight from a foreign origin',
    request: {
      method: 'OPTIONS',
      path: '/api/v1/me',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    },
    expect: {
      status: 204,
      headers: { Vary: 'Origin' },
      absentHeaders: ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials'],
    },
  },
  {
    name: 'unknown route',
    request: { method: 'GET', path: UNKNOWN_PATH },
    expect: { status: 404, problem: { code: 'ERR_NOT_FOUND' } },
  },
  {
    name: 'malformed JSON',
    request: post('application/json', '{"email": '),
    expect: { status: 400, problem: { code: 'ERR_MALFORMED_JSON' } },
  },
  {
    name: 'prototype poisoning',
    request: post('application/json', '{"__proto__": {"role": "admin"}}'),
    expect: { status: 400, problem: { code: 'ERR_MALFORMED_JSON' } },
  },
  {
    name: 'unsupported type',
    request: post('text/plain', 'hello'),
    expect: { status: 415, problem: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE' } },
  },
  {
    // The limit is inclusive: this body is read and parsed, and the route's validation refuses
    // its 1 MiB token (over the 8 KiB any token may have), not the body limit.
    name: 'body of exactly 1 MiB reaches the route',
    request: post('application/json', refreshBodyOfSize(ONE_MIB)),
    expect: { status: 400, problem: { code: 'ERR_VALIDATION' } },
  },
  {
    name: 'body over 1 MiB',
    request: post('application/json', refreshBodyOfSize(ONE_MIB + 1)),
    expect: { status: 413, problem: { code: 'ERR_PAYLOAD_TOO_LARGE' } },
  },
];

/**
 * The general rules checked on every response of the tour: until `@rampart/headers` lands, at
 * least `nosniff` and no `X-Powered-By`.
 */
export const everyResponse: Invariant = {
  headers: { 'X-Content-Type-Options': 'nosniff' },
  absentHeaders: ['X-Powered-By'],
};

/** Every step of the tour, in order. Later issues append theirs. */
export const allSteps: readonly Step[] = [
  ...skeletonSteps,
  ...authSteps,
  ...loginLimitSteps,
  ...entitySteps,
  ...idempotencySteps,
  ...apiKeySteps,
  ...mfaSteps,
  ...accessSteps,
  ...sessionSteps,
  ...auditSteps,
  ...oauthSteps,
];
