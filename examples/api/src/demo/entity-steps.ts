import { signRequest } from '@rampart/request-signing/client';
import { jsonRequest, saved } from './requests.js';
import type { Step, StepRequest, Tour } from './tour.js';

const RECORDS = '/api/v1/entities/demo-sensor/records';
const RECORD = { data: { temperature: 21.5, unit: 'C' } };
const SIGNATURE = (code: string) => ({ status: 401, problem: { code } }) as const;

/** The entities limit's headers, on every answer of the route (a refused one too). */
const limitHeaders = {
  'RateLimit-Policy': '"entities";q=100;w=60',
  RateLimit: /^"entities";r=\d+;t=\d+$/,
  'X-RateLimit-Limit': '100',
  'X-RateLimit-Remaining': /^\d+$/,
  'X-RateLimit-Reset': /^\d+$/,
};

interface SignedOptions {
  readonly path?: string;
  /** What is signed; `send` replaces it on the wire (a tampered body). */
  readonly body?: string;
  readonly send?: string;
  /** Unix ms to sign with, e.g. 10 minutes ago for a stale request. */
  readonly now?: number;
}

/**
 * A record POST with the session's token, signed by the demo's signing client exactly as a
 * client app would with `signRequest` (WebCrypto, Node or browser).
 */
async function signed(tour: Tour, options: SignedOptions = {}): Promise<StepRequest> {
  const path = options.path ?? RECORDS;
  const body = options.body ?? JSON.stringify(RECORD);
  const signature = await signRequest({
    method: 'POST',
    url: new URL(path, tour.baseUrl),
    body,
    keyId: tour.secrets.SIGNING_KEY_ID as string,
    secret: tour.secrets.SIGNING_SECRET as string,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const request = jsonRequest('POST', path, undefined, saved(tour, 'session.accessToken'));
  return {
    ...request,
    headers: { ...request.headers, 'content-type': 'application/json', ...signature },
    body: options.send ?? body,
  };
}

/**
 * Issue 5 (request-signing) and the entities limit of issue 3: a signed record is accepted once;
 * a replay, a stale timestamp, a tampered body and an unsigned request are refused, all with the
 * limit's headers.
 */
export const entitySteps: readonly Step[] = [
  {
    name: 'signed record accepted',
    request: async (tour) => {
      const request = await signed(tour);
      tour.vars.set('signed.request', request);
      return request;
    },
    expect: (tour) => ({
      status: 201,
      json: { entityId: 'demo-sensor', data: RECORD.data, createdBy: saved(tour, 'user.id') },
      headers: { ...limitHeaders, RateLimit: /^"entities";r=99;t=\d+$/ },
    }),
  },
  {
    name: 'signed record replayed',
    request: (tour) => {
      const request = tour.vars.get('signed.request') as StepRequest | undefined;
      if (request === undefined) throw new Error('the signed request was not kept');
      return request;
    },
    expect: { ...SIGNATURE('ERR_NONCE_REPLAYED'), headers: limitHeaders },
  },
  {
    name: 'stale timestamp',
    request: (tour) => signed(tour, { now: Date.now() - 10 * 60_000 }),
    expect: SIGNATURE('ERR_TIMESTAMP_OUT_OF_RANGE'),
  },
  {
    name: 'tampered body',
    request: (tour) =>
      signed(tour, { send: JSON.stringify({ data: { temperature: 99, unit: 'C' } }) }),
    expect: SIGNATURE('ERR_SIGNATURE_INVALID'),
  },
  {
    name: 'unsigned record',
    request: (tour) => jsonRequest('POST', RECORDS, RECORD, saved(tour, 'session.accessToken')),
    expect: { ...SIGNATURE('ERR_SIGNATURE_HEADERS'), headers: limitHeaders },
  },
  {
    name: 'record without a token',
    request: jsonRequest('POST', RECORDS, RECORD),
    expect: { status: 401, problem: { code: 'ERR_AUTH_REQUIRED' }, headers: limitHeaders },
  },
  {
    name: 'bad entity id',
    request: (tour) => signed(tour, { path: '/api/v1/entities/no.dots/records' }),
    expect: { status: 400, problem: { code: 'ERR_VALIDATION' } },
  },
  {
    name: 'list records',
    request: (tour) => jsonRequest('GET', RECORDS, undefined, saved(tour, 'session.accessToken')),
    expect: { status: 200, headers: limitHeaders },
  },
];
