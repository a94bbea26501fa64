import {
  bodyBytes,
  type SignableBody,
  type SignRequestOptions,
  signRequest,
} from './sign-request.js';
import { type ClientCryptoKey, type ClientSecret, importClientSecret } from './webcrypto.js';

/** The credentials and scheme a signed fetch uses for every request. */
export interface SigningCredentials {
  keyId: string;
  secret: ClientSecret;
  scheme?: SignRequestOptions['scheme'];
  target?: SignRequestOptions['target'];
  label?: string;
}

/** The `fetch` shape wrapped: the platform's, or any compatible one. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Wraps `fetch` so every request is signed with `credentials`; the secret is imported as a
 * `CryptoKey` once. The body must be given as the exact bytes sent (`string`, `Uint8Array`,
 * `ArrayBuffer`); a stream or `FormData` cannot be hashed before it is sent and is refused.
 *
 * @example
 * const signedFetch = createSignedFetch(fetch, { keyId: 'client-a', secret });
 * await signedFetch('https://api.example.com/api/v1/entities/e1/records', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ data: { temperature: 21 } }, null, 2),
 * });
 */
export function createSignedFetch(
  fetchImpl: FetchLike,
  credentials: SigningCredentials,
): FetchLike {
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch: must be a function');
  let key: Promise<ClientCryptoKey> | undefined;

  return async function signedFetch(
    input: string | URL,
    init: RequestInit = {},
  ): Promise<Response> {
    key ??= importClientSecret(credentials.secret);
    const body = init.body as SignableBody;
    const bytes = bodyBytes(body);
    const options: SignRequestOptions = {
      method: init.method ?? 'GET',
      url: input,
      body: bytes,
      keyId: credentials.keyId,
      secret: await key,
    };
    if (credentials.scheme !== undefined) options.scheme = credentials.scheme;
    if (credentials.target !== undefined) options.target = credentials.target;
    if (credentials.label !== undefined) options.label = credentials.label;
    const signature = await signRequest(options);
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(signature)) headers.set(name, value);
    return fetchImpl(input, {
      ...init,
      headers,
      body: bytes.byteLength > 0 ? (bytes as Uint8Array<ArrayBuffer>) : (init.body ?? null),
    });
  };
}
