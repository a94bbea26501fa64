import { jsonRequest, keep, saved } from '../demo/requests.js';
import type { Step, StepRequest, Tour } from '../demo/tour.js';

const KEYS = '/api/v1/api-keys';
const RECORDS = '/api/v1/entities/demo-orders/records';

/** A read of the demo records with the key saved under `name`, or the key given. */
function withKey(tour: Tour, name: string, key?: string): StepRequest {
  const request = jsonRequest('GET', RECORDS);
  return { ...request, headers: { ...request.headers, 'x-api-key': key ?? saved(tour, name) } };
}

/** The key with its last character changed: the checksum refuses it before any lookup. */
function typo(key: string): string {
  return `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
}

/**
 * Issue 16 (api-keys): a key is created (shown once), used with X-API-Key, rotated with a grace
 * period in which the old key still works, a typo'd key is refused before any store lookup, and
 * a revoked key is refused at once.
 */
export const apiKeySteps: readonly Step[] = [
  {
    name: 'API key created (shown once, with its signing secret)',
    request: (tour) =>
      jsonRequest(
        'POST',
        KEYS,
        { name: 'demo', scopes: ['entities:read'], rateLimitPerHour: 100 },
        saved(tour, 'session.accessToken'),
      ),
    expect: { status: 201, json: { scopes: ['entities:read'] } },
    save: keep('apiKey', 'id', 'key'),
  },
  {
    name: 'records read with X-API-Key',
    request: (tour) => withKey(tour, 'apiKey.key'),
    expect: { status: 200 },
  },
  {
    name: 'API key rotated with a 10-minute grace',
    request: (tour) =>
      jsonRequest(
        'POST',
        `${KEYS}/${saved(tour, 'apiKey.id')}/rotate`,
        { graceSeconds: 600 },
        saved(tour, 'session.accessToken'),
      ),
    expect: (tour) => ({ status: 200, json: { id: saved(tour, 'apiKey.id') } }),
    save: keep('rotatedKey', 'key'),
  },
  {
    name: 'old key still works during the grace',
    request: (tour) => withKey(tour, 'apiKey.key'),
    expect: { status: 200 },
  },
  {
    name: 'new key works',
    request: (tour) => withKey(tour, 'rotatedKey.key'),
    expect: { status: 200 },
  },
  {
    name: "typo'd key refused before any lookup",
    request: (tour) => withKey(tour, '', typo(saved(tour, 'rotatedKey.key'))),
    expect: { status: 401, problem: { code: 'ERR_API_KEY_INVALID' } },
  },
  {
    name: 'API key revoked',
    request: (tour) =>
      jsonRequest(
        'DELETE',
        `${KEYS}/${saved(tour, 'apiKey.id')}`,
        undefined,
        saved(tour, 'session.accessToken'),
      ),
    expect: { status: 204 },
  },
  {
    name: 'revoked key refused at once',
    request: (tour) => withKey(tour, 'rotatedKey.key'),
    expect: { status: 401, problem: { code: 'ERR_API_KEY_INVALID' } },
  },
];
