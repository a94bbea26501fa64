/**
 * What a lease stores and a replay sends back: the response as the framework sent it (status, the
 * headers worth replaying, the body as text or bytes), encoded as one string for the store and
 * sealed with the user's key ring when one is given.
 */

/** A response as an adapter captured it. */
export interface CapturedResponse {
  readonly status: number;
  /** The response headers, as `getHeaders()` gives them: lower-case names. */
  readonly headers: Readonly<Record<string, number | string | readonly string[] | undefined>>;
  /**
   * The body: the text when the framework wrote it as one string (sent as UTF-8), else the bytes;
   * `null` when it passed `maxResponseBytes` and was not kept.
   */
  readonly body: string | Uint8Array | null;
}

/** A response to send again, marked `Idempotency-Replayed: true`. */
export interface ReplayResponse {
  readonly status: number;
  /** Names in lower case, `idempotency-replayed` last. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /**
   * The body as it was captured: text (send it as UTF-8, which gives the same bytes) or bytes. Text
   * goes out in one write with the headers, as the first response did.
   */
  readonly body: string | Buffer;
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

/**
 * A response as stored (JSON): status, the kept headers, and the body as text (`t`) or in base64
 * (`b`, `null` when it was not kept).
 */
interface EncodedResponse {
  s: number;
  h: Array<[string, string]>;
  t?: string;
  b?: string | null;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The response as stored. A text body is kept as text unless escaping makes it longer than its
 * base64 would be, so a record is never larger than with base64 and the store's cap holds.
 */
export function encodeResponse(response: CapturedResponse, keep: ReadonlySet<string>): string {
  const headers: Array<[string, string]> = [];
  // Names from getHeaders() are lower case: look up the few kept ones rather than walk them all.
  for (const name of keep) {
    const value = response.headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.push([name, String(item)]);
    else headers.push([name, String(value)]);
  }
  const encoded: EncodedResponse = { s: response.status, h: headers };
  const { body } = response;
  if (body === null) encoded.b = null;
  else if (typeof body === 'string' && fitsAsText(body)) encoded.t = body;
  else encoded.b = base64Of(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return JSON.stringify(encoded);
}

/** Whether `text`, JSON-escaped, is no longer than the base64 of its UTF-8 bytes. */
function fitsAsText(text: string): boolean {
  let escaped = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22 || unit === 0x5c) escaped += 1;
    // Control characters and surrogates counted as the longest escape (`\u001f`, `\ud800`).
    else if (unit < 0x20 || (unit >= 0xd800 && unit < 0xe000)) escaped += 5;
  }
  return escaped <= 4 * Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
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
  const { s, h, t, b } = (value ?? {}) as Partial<EncodedResponse>;
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
  let body: string | Buffer;
  if (typeof t === 'string' && b === undefined) body = t;
  else if (b === null && t === undefined) return { kept: false };
  else if (typeof b === 'string' && t === undefined && BASE64.test(b))
    body = Buffer.from(b, 'base64');
  else throw new TypeError('stored response: bad body');
  headers.push([REPLAYED_HEADER, 'true']);
  return { kept: true, replay: { status: s, headers, body } };
}
