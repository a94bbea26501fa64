import { randomUUID } from 'node:crypto';
import { signRequest } from '@rampart/request-signing/client';
import { jsonRequest, saved } from '../demo/requests.js';
import type { Step, StepRequest, Tour } from '../demo/tour.js';

const RECORDS = '/api/v1/entities/demo-orders/records';
const ORDER = JSON.stringify({ data: { item: 'widget', quantity: 2 } });

/**
 * A record POST signed afresh (a new nonce and signature, as a real retry has) with the tour's
 * Idempotency-Key.
 */
async function signedWithKey(tour: Tour, body = ORDER, key?: string): Promise<StepRequest> {
  const signature = await signRequest({
    method: 'POST',
    url: new URL(RECORDS, tour.baseUrl),
    body,
    keyId: tour.secrets.SIGNING_KEY_ID as string,
    secret: tour.secrets.SIGNING_SECRET as string,
  });
  const request = jsonRequest('POST', RECORDS, undefined, saved(tour, 'session.accessToken'));
  return {
    ...request,
    headers: {
      ...request.headers,
      'content-type': 'application/json',
      'idempotency-key': key ?? `"${saved(tour, 'idempotency.key')}"`,
      ...signature,
    },
    body,
  };
}

/**
 * Issue 21 (idempotency): a signed record with an Idempotency-Key is created once; its retry,
 * signed again, is answered from the store with `Idempotency-Replayed: true` and creates nothing;
 * the same key with another body is refused, and so is a key that is not an sf-string.
 */
export const idempotencySteps: readonly Step[] = [
  {
    name: 'record with an Idempotency-Key created',
    request: (tour) => {
      tour.vars.set('idempotency.key', randomUUID());
      return signedWithKey(tour);
    },
    expect: { status: 201, absentHeaders: ['Idempotency-Replayed'] },
    save: (response, tour) => {
      tour.vars.set('idempotency.recordId', (response.json as { id?: unknown } | undefined)?.id);
    },
  },
  {
    name: 'retried signed record replayed from the store',
    request: (tour) => signedWithKey(tour),
    expect: (tour) => ({
      status: 201,
      json: { id: saved(tour, 'idempotency.recordId') },
      headers: { 'Idempotency-Replayed': 'true' },
    }),
  },
  {
    name: 'same key with another body',
    request: (tour) =>
      signedWithKey(tour, JSON.stringify({ data: { item: 'widget', quantity: 3 } })),
    expect: { status: 422, problem: { code: 'ERR_IDEMPOTENCY_KEY_REUSED' } },
  },
  {
    name: 'Idempotency-Key that is not a quoted string',
    request: (tour) => signedWithKey(tour, ORDER, 'not-quoted'),
    expect: { status: 400, problem: { code: 'ERR_IDEMPOTENCY_KEY_INVALID' } },
  },
];
