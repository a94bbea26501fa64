import type { ClientIpResolver, Principal, SecurityRequest } from '@rampart/core';

/**
 * The request a limiter sees: core's `SecurityRequest`, plus the parsed body when the adapter
 * runs after body parsing (a key on the login email needs it). Never trust `body` blindly: it is
 * whatever the client sent.
 */
export interface RateLimitRequest extends SecurityRequest {
  body?: unknown;
}

/** What an adapter adds to core's view of a request for the limiter. */
export interface LimitRequestExtras {
  /** The socket peer, for a limiter with a `clientIp` resolver of its own. */
  readonly socketAddress: string | undefined;
  /** The limiter's own resolver; without one the client IP is core's (`rampartCore`'s). */
  readonly clientIp: ClientIpResolver | undefined;
  readonly principal: Principal | undefined;
  readonly body: unknown;
}

/**
 * The request a limiter sees: core's view (client IP from `rampartCore`, else the socket peer),
 * the principal and the body; the client IP by the limiter's own resolver when it has one.
 */
export function toLimitRequest(
  request: SecurityRequest,
  extras: LimitRequestExtras,
): RateLimitRequest {
  const limited: RateLimitRequest = request;
  const { clientIp, principal } = extras;
  if (clientIp !== undefined)
    limited.ip = clientIp.resolve(extras.socketAddress, request.headers['x-forwarded-for']);
  if (principal !== undefined) limited.principal = principal;
  limited.body = extras.body;
  return limited;
}
