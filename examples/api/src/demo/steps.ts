import { SECURITY_HEADERS } from '../security-headers.js';
import { authSteps, loginLimitSteps } from './auth-steps.js';
import { entitySteps } from './entity-steps.js';
import type { Invariant, Step, StepRequest } from './tour.js';

/** A path no issue will ever build: any route the app does not serve must answer like it. */
const UNKNOWN_PATH = '/api/v1/no-such-route';
/**
 * Bodies are checked before routing on both frameworks, so the general rules (400, 413, 415)
 * hold on every path; the skeleton has no route taking a body yet, so the tour posts here.
 */
const BODY_PATH = '/api/v1/echo';
const ONE_MIB = 1024 * 1024;

function post(contentType: string, body: string): StepRequest {
  return { method: 'POST', path: BODY_PATH, headers: { 'content-type': contentType }, body };
}

/** A JSON string of exactly `bytes` bytes: valid, so only its size can be wrong. */
function jsonOfSize(bytes: number): string {
  return `"${'a'.repeat(bytes - 2)}"`;
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
    expect: { status: 200, headers: SECURITY_HEADERS, absentHeaders: ['X-Powered-By'] },
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
    // The limit is inclusive: this body is read, parsed and routed (to a 404, for now).
    name: 'body of exactly 1 MiB',
    request: post('application/json', jsonOfSize(ONE_MIB)),
    expect: { status: 404, problem: { code: 'ERR_NOT_FOUND' } },
  },
  {
    name: 'body over 1 MiB',
    request: post('application/json', jsonOfSize(ONE_MIB + 1)),
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
];
