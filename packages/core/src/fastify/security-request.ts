import type { FastifyRequest } from 'fastify';
import { headersFromRaw } from '../http/headers.js';
import { socketPeerIp } from '../ip/client-ip.js';
import type { SecurityRequest } from '../request.js';

/**
 * The framework-neutral view of a Fastify request.
 *
 * - `url` is `request.url` (that is `request.raw.url`): the request target exactly as received.
 * - `route` is `request.routeOptions.url`, the registered pattern (`/entities/:entityId`),
 *   absent for a request no route matched. A hook attached to one route in `onRoute` knows it
 *   already and may pass it as `route`, which spares a read of `routeOptions` (a getter that
 *   builds an object of a dozen fields on every read).
 * - `headers` come from the raw request's `rawHeaders`, lower-cased, repeats kept as arrays.
 * - `ip` is `request.clientIp`, resolved once by the `rampartCore` plugin (trusted proxies);
 *   without it, the socket peer. Never Fastify's `request.ip` and its `trustProxy` setting.
 * - `rawBody` is set when the `rampartCore` JSON parser kept the bytes.
 *
 * @example
 * const decision = await limiter.check(toSecurityRequest(request));
 */
export function toSecurityRequest(
  request: FastifyRequest,
  route: string | undefined = request.routeOptions.url,
): SecurityRequest {
  const headers = headersFromRaw(request.raw.rawHeaders);
  const resolved: unknown = (request as { clientIp?: unknown }).clientIp;
  const securityRequest: SecurityRequest = {
    method: request.method.toUpperCase(),
    url: request.url,
    headers,
    // `rampartCore` decorates `clientIp` with '' until its hook resolves it.
    ip:
      typeof resolved === 'string' && resolved !== ''
        ? resolved
        : socketPeerIp(request.socket.remoteAddress),
  };
  if (typeof route === 'string') securityRequest.route = route;
  const rawBody: unknown = (request as { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(rawBody)) securityRequest.rawBody = rawBody;
  return securityRequest;
}
