import type { AuthContext, ClientIpResolver, Principal, SecurityRequest } from '@rampart/core';

/**
 * The request a limiter sees: core's `SecurityRequest`, plus the parsed body when the adapter
 * runs after body parsing (a key on the login email needs it). Never trust `body` blindly: it is
 * whatever the client sent.
 */
export interface RateLimitRequest extends SecurityRequest {
  body?: unknown;
}

/** How an adapter reads, from its framework's request, what the limiter may need beyond core's view. */
export interface FrameworkRequestReader<FrameworkRequest> {
  /** The socket peer, for a limiter with a `clientIp` resolver of its own. */
  socketAddress(req: FrameworkRequest): string | undefined;
  /** The `principal` option, or by default the user of the request's `auth` (core's AuthContext). */
  principal(req: FrameworkRequest): Principal | undefined;
  /** The parsed body, when the limiter runs after body parsing. */
  body(req: FrameworkRequest): unknown;
}

/** What of a limiter's configuration decides what its requests must carry. */
export interface LimitRequestNeeds {
  /** The limiter's own resolver; without one the client IP is core's (`rampartCore`'s). */
  readonly clientIp: ClientIpResolver | undefined;
  /** A key on the principal, or a function of the request: the principal and the body are read. */
  readonly readsPrincipalOrBody: boolean;
}

/**
 * The request a limiter sees: core's view of `req` (client IP from `rampartCore`, else the socket
 * peer), the client IP by the limiter's own resolver when it has one, and the principal and the
 * body when the limiter may read them. Only then are they read from `req`: a property Express's
 * request lacks is a slow read, and an IP-keyed limit never needs them.
 */
export function toLimitRequest<FrameworkRequest>(
  req: FrameworkRequest,
  request: SecurityRequest,
  needs: LimitRequestNeeds,
  reader: FrameworkRequestReader<FrameworkRequest>,
): RateLimitRequest {
  const limited: RateLimitRequest = request;
  const { clientIp } = needs;
  if (clientIp !== undefined)
    limited.ip = clientIp.resolve(reader.socketAddress(req), request.headers['x-forwarded-for']);
  if (needs.readsPrincipalOrBody) {
    const principal = reader.principal(req);
    if (principal !== undefined) limited.principal = principal;
    limited.body = reader.body(req);
  }
  return limited;
}

/**
 * The principal a limit keys on by default: the user of core's AuthContext, whatever credential
 * proved it, so a user's sessions, tokens and API keys share one quota (minting keys buys none).
 */
export function principalOfAuth(auth: AuthContext | undefined): Principal | undefined {
  return auth === undefined ? undefined : { id: auth.userId, kind: 'user' };
}
