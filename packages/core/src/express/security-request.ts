import type { Request } from 'express';
import { headersFromRaw } from '../http/headers.js';
import { socketPeerIp } from '../ip/client-ip.js';
import type { SecurityRequest } from '../request.js';

/**
 * The framework-neutral view of an Express request.
 *
 * - `url` is `req.originalUrl`, the request target exactly as received (Express rewrites
 *   `req.url` inside routers); nothing is decoded or normalised.
 * - `route` is the matched pattern, `req.baseUrl` + `req.route.path` (`/api/v1/entities/:id`),
 *   known only inside a route's own handler chain (`app.post('/x', guard, handler)`), not in
 *   `app.use()` middleware. A router mounted on a pattern (`/api/:version`) contributes its
 *   matched path, as Express keeps no mount pattern.
 * - `headers` come from `req.rawHeaders`, lower-cased, repeats kept as arrays.
 * - `ip` is `req.clientIp`, resolved once by `rampartCore()` (trusted proxies); without it, the
 *   socket peer. Never Express's `req.ip` and its `trust proxy` setting, so every package and
 *   both frameworks agree on the client.
 * - `rawBody` is set when `jsonBody()` kept the bytes.
 *
 * @example
 * const decision = await limiter.check(toSecurityRequest(req));
 */
export function toSecurityRequest(req: Request): SecurityRequest {
  const headers = headersFromRaw(req.rawHeaders);
  const request: SecurityRequest = {
    method: req.method.toUpperCase(),
    url: req.originalUrl ?? req.url,
    headers,
    ip: typeof req.clientIp === 'string' ? req.clientIp : socketPeerIp(req.socket.remoteAddress),
  };
  const route = matchedRoute(req);
  if (route !== undefined) request.route = route;
  if (Buffer.isBuffer(req.rawBody)) request.rawBody = req.rawBody;
  return request;
}

function matchedRoute(req: Request): string | undefined {
  // `route.path` may also be a RegExp or an array of patterns: no single pattern to report.
  const path: unknown = req.route?.path;
  if (typeof path !== 'string') return undefined;
  const base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  if (base === '') return path;
  return path === '/' ? base : `${base}${path}`;
}
