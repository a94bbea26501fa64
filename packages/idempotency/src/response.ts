/**
 * What a lease stores and a replay sends back: the response as the framework sent it (status, the
 * headers worth replaying, the body bytes), encoded as one string for the store and sealed with
 * the user's key ring when one is given.
 */

/** A response as an adapter captured it. */
export interface CapturedResponse {
  readonly status: number;
  /** The response headers, as `getHeaders()` gives them: lower-case names. */
  readonly headers: Readonly<Record<string, number | string | readonly string[] | undefined>>;
  /** The body bytes; `null` when they passed `maxResponseBytes` and were not kept. */
  readonly body: Uint8Array | null;
}

/** A response to send again, marked `Idempotency-Replayed: true`. */
export interface ReplayResponse {
  readonly status: number;
  /** Names in lower case, `idempotency-replayed` last. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/**
 * Seals stored responses (they may hold secrets: a created API key, say) and opens them again:
 * a `KeyRing` of `@rampart/crypto` fits as it is. `aad` binds each sealed response to its record.
 */
export interface ResponseSealer {
  seal(plaintext: Uint8Array, options: { aad: string }): string;
  open(sealed: string, options: { aad: string }): Uint8Array;
}

/** The header that marks a replayed response. */
export const REPLAYED_HEADER = 'idempotency-replayed';

/** Headers replayed by default: those that describe the representation or the created resource. */
export const DEFAULT_REPLAY_HEADERS: readonly string[] = Object.freeze([
  'content-type',
  'content-language',
  'content-location',
  'location',
  'etag',
  'last-modified',
]);

/**
 * Headers never kept: cookies carry secrets and belong to one response; the others are framing
 * or are computed afresh for each response.
 */
export const NEVER_REPLAYED_HEADERS: ReadonlySet<string> = new Set([
  'set-cookie',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'trailer',
  'date',
  REPLAYED_HEADER,
]);

/**
 * Statuses a retry must be allowed to change, so they are never kept: credentials the client
 * may fix (401, 403), and refusals that pass (408, 409, 423, 425, 429). 5xx are never kept
 * either: the retry runs again.
 */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([401, 403, 408, 409, 423, 425, 429]);

/** True for a status whose response is kept and replayed: 2xx, 3xx and lasting 4xx. */
export function isKeptStatus(status: number): boolean {
  return status >= 200 && status < 500 && !TRANSIENT_STATUSES.has(status);
}

interface EncodedResponse {
  s: number;
  h: Array<[string, string]>;
  b: string | null;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The response as stored: status, the kept headers, the body in base64 (or `null`). */
export function encodeResponse(response: CapturedResponse, keep: ReadonlySet<string>): string {
  const headers: Array<[string, string]> = [];
  // Names from getHeaders() are lower case: look up the few kept ones rather than walk them all.
  for (const name of keep) {
    const value = response.headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.push([name, String(item)]);
    else headers.push([name, String(value)]);
  }
  const encoded: EncodedResponse = {
    s: response.status,
    h: headers,
    b: response.body === null ? null : base64Of(response.body),
  };
  return JSON.stringify(encoded);
}

function base64Of(bytes: Uint8Array): string {
  // A view of the same memory, not a copy.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** What a stored response decodes to: a replay, or the note that its body was not kept. */
export type DecodedResponse =
  | { readonly kept: true; readonly replay: ReplayResponse }
  | { readonly kept: false };

/** Decodes a stored response, checking its shape; throws a `TypeError` on anything else. */
export function decodeResponse(text: string): DecodedResponse {
  const value: unknown = JSON.parse(text);
  const { s, h, b } = (value ?? {}) as Partial<EncodedResponse>;
  if (typeof s !== 'number' || !isKeptStatus(s) || !Array.isArray(h)) {
    throw new TypeError('stored response: bad status or headers');
  }
  const headers: Array<readonly [string, string]> = [];
  for (const pair of h as unknown[]) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      typeof pair[1] !== 'string' ||
      !HEADER_NAME.test(pair[0]) ||
      !HEADER_VALUE.test(pair[1]) ||
      NEVER_REPLAYED_HEADERS.has(pair[0])
    ) {
      throw new TypeError('stored response: bad header');
    }
    headers.push([pair[0], pair[1]]);
  }
  if (b === null) return { kept: false };
  if (typeof b !== 'string' || !BASE64.test(b)) throw new TypeError('stored response: bad body');
  headers.push([REPLAYED_HEADER, 'true']);
  return { kept: true, replay: { status: s, headers, body: Buffer.from(b, 'base64') } };
}
