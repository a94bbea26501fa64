import {
  KEY_ID_PATTERN,
  NONCE_PATTERN,
  RAMPART_V1,
  rampartV1SigningString,
} from '../shared/fields.js';
import { HMAC_SHA256, signatureBase } from '../shared/signature-base.js';
import {
  type BareItem,
  type InnerList,
  type Item,
  serializeInnerList,
} from '../shared/structured-fields.js';
import {
  type ClientSecret,
  contentDigest,
  encodeBase64,
  encodeHex,
  hmacSha256,
  importClientSecret,
  randomNonce,
  sha256Hex,
} from './webcrypto.js';

/** A body the client can sign: the exact bytes that will be sent. */
export type SignableBody = string | Uint8Array | ArrayBuffer | null | undefined;

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  method: string;
  /** Absolute URL, or relative to `location` in a browser. Signed as fetch will send it. */
  url: string | URL;
  /** The exact body that will be sent (a string is sent as UTF-8). Omit for none. */
  body?: SignableBody;
  keyId: string;
  secret: ClientSecret;
  /** `rampart-v1` (default): `X-Key-Id`, `X-Nonce`, `X-Timestamp`, `X-Signature`. `rfc9421`: HTTP Message Signatures. */
  scheme?: 'rampart-v1' | 'rfc9421';
  /** RFC 9421: cover `@path` and `@query` (default) or `@target-uri`. */
  target?: 'path-and-query' | 'target-uri';
  /** RFC 9421 signature label; default `sig1`. */
  label?: string;
  /** Unix milliseconds to sign; default now. */
  now?: number;
  /** Nonce to sign; default 18 random bytes in base64url. */
  nonce?: string;
}

/** The byte form of a signable body. */
export function bodyBytes(body: SignableBody): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(
    'body: sign a string, a Uint8Array or an ArrayBuffer (the exact bytes sent).',
  );
}

function resolveUrl(url: string | URL): URL {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return new URL(url, base);
}

/** Check the fields as the server will, so a bad key id fails here, not as a 401. */
function checkFields(options: SignRequestOptions, nonce: string, now: number): void {
  if (!KEY_ID_PATTERN.test(options.keyId))
    throw new TypeError('keyId: 1–128 of A–Z a–z 0–9 . _ : ~ -');
  if (!NONCE_PATTERN.test(nonce)) throw new TypeError('nonce: 16–64 of A–Z a–z 0–9 _ -');
  if (!Number.isSafeInteger(now) || now <= 0) throw new TypeError('now: Unix milliseconds');
}

function str(value: string): BareItem {
  return { type: 'string', value };
}

function component(name: string): Item {
  return { kind: 'item', item: str(name), params: [] };
}

/**
 * Signs a request and returns the headers to add to it. The method is upper-cased, the target is
 * the path and query exactly as `fetch` sends them, and the body is hashed as the bytes given, so
 * send exactly that body (a pretty-printed JSON string verifies as well as a compact one).
 * Works in Node >= 20 and in browsers (WebCrypto); import a `CryptoKey` once with `createSignedFetch`
 * to avoid re-importing the secret on every call.
 *
 * @example
 * const body = JSON.stringify({ data: { temperature: 21 } });
 * const headers = await signRequest({ method: 'POST', url, body, keyId: 'client-a', secret });
 * await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
 */
export async function signRequest(options: SignRequestOptions): Promise<Record<string, string>> {
  const key = await importClientSecret(options.secret);
  const now = options.now ?? Date.now();
  const nonce = options.nonce ?? randomNonce();
  checkFields(options, nonce, now);
  const url = resolveUrl(options.url);
  const method = options.method.toUpperCase();
  const target = `${url.pathname}${url.search}`;
  const bytes = bodyBytes(options.body);

  if ((options.scheme ?? RAMPART_V1) === RAMPART_V1) {
    const message = rampartV1SigningString({
      keyId: options.keyId,
      method,
      target,
      timestamp: String(now),
      nonce,
      bodySha256Hex: await sha256Hex(bytes),
    });
    return {
      'X-Key-Id': options.keyId,
      'X-Nonce': nonce,
      'X-Timestamp': String(now),
      'X-Signature': encodeHex(await hmacSha256(key, message)),
    };
  }

  const headers: Record<string, string> = {};
  const components = [component('@method')];
  if (options.target === 'target-uri') components.push(component('@target-uri'));
  else components.push(component('@path'), component('@query'));
  if (bytes.byteLength > 0) {
    headers['Content-Digest'] = await contentDigest(bytes);
    components.push(component('content-digest'));
  }
  const params: InnerList = {
    kind: 'inner-list',
    items: components,
    params: [
      ['created', { type: 'integer', value: Math.floor(now / 1000) }],
      ['keyid', str(options.keyId)],
      ['nonce', str(nonce)],
      ['alg', str(HMAC_SHA256)],
    ],
  };
  const base = signatureBase(params, {
    method,
    target,
    origin: url.origin,
    header: (name) =>
      name === 'content-digest' && headers['Content-Digest'] ? [headers['Content-Digest']] : [],
  });
  const label = options.label ?? 'sig1';
  headers['Signature-Input'] = `${label}=${serializeInnerList(params)}`;
  headers.Signature = `${label}=:${encodeBase64(await hmacSha256(key, base))}:`;
  return headers;
}
