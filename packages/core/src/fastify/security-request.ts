import type { FastifyRequest } from 'fastify';
import { headersFromRaw } from '../http/headers.js';
import type { ClientIpResolver } from '../ip/client-ip.js';
import type { SecurityRequest } from '../request.js';

/**
 * The framework-neutral view of a Fastify request.
 *
 * - `url` is `request.url` (that is `request.raw.url`): the request target exactly as received.
 * - `route` is `request.routeOptions.url`, the registered pattern (`/entities/:entityId`),
 *   absent for a request no route matched.
 * - `headers` come from the raw request's `rawHeaders`, lower-cased, repeats kept as arrays.
 * - `ip` comes from the socket peer through `resolver`, never from Fastify's `request.ip` and
 *   its `trustProxy` setting.
 * - `rawBody` is set when the `rampartCore` JSON parser kept the bytes.
 *
 * @example
 * const decision = limiter.check(toSecurityRequest(request, clientIp));
 */
export function toSecurityRequest(
  request: FastifyRequest,
  resolver: ClientIpResolver,
): SecurityRequest {
  const headers = headersFromRaw(request.raw.rawHeaders);
  const securityRequest: SecurityRequest = {
    method: request.method.toUpperCase(),
    url: request.url,
    headers,
    ip: resolver.resolve(request.socket.remoteAddress, headers['x-forwarded-for']),
  };
  const route = request.routeOptions.url;
  if (typeof route === 'string') securityRequest.route = route;
  const rawBody: unknown = (request as { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(rawBody)) securityRequest.rawBody = rawBody;
  return securityRequest;
}
