/**
 * `@rampart/request-signing/client`: signs requests for a Rampart server, in Node >= 20 and in
 * browsers, with WebCrypto only. Imports no `node:` module and nothing of the server side.
 */

export { type SignableBody, type SignRequestOptions, signRequest } from './client/sign-request.js';
export {
  createSignedFetch,
  type FetchLike,
  type SigningCredentials,
} from './client/signed-fetch.js';
export { type ClientSecret, importClientSecret, randomNonce } from './client/webcrypto.js';
export { RAMPART_V1, RAMPART_V1_HEADERS, rampartV1SigningString } from './shared/fields.js';
