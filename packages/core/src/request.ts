import type { HeaderRecord } from './http/headers.js';

/** Who made the request, once an authenticator has said so. */
export interface Principal {
  /** Stable id: a user id, an API key id, a signing key id. */
  id: string;
  /** What kind of principal `id` names. */
  kind: 'user' | 'api-key' | 'signing-key' | (string & {});
  roles?: readonly string[];
  scopes?: readonly string[];
}

/**
 * The framework-neutral view of a request that every package's core works on. Adapters build
 * it; nothing in it is re-serialised.
 */
export interface SecurityRequest {
  /** Upper-case method as received. */
  method: string;
  /** The request target exactly as received: path and query, no normalisation. */
  url: string;
  /** The matched route pattern (`/api/v1/entities/:entityId/records`) when the framework knows it. */
  route?: string;
  /** Header names in lower case. Repeated headers stay arrays. */
  headers: HeaderRecord;
  /** The client IP: the socket peer, or from `X-Forwarded-For` only via trusted proxies. */
  ip: string;
  /** The exact body bytes received, when raw-body capture is on for the route. */
  rawBody?: Uint8Array;
  principal?: Principal;
}
