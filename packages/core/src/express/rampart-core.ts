import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createClientIpResolver } from '../ip/client-ip.js';

/** Options of the Express `rampartCore()` middleware: those of the Fastify plugin for the client IP. */
export interface RampartCoreMiddlewareOptions {
  /** Proxies whose `X-Forwarded-For` is believed; see `createClientIpResolver`. Default `[]`. */
  trustedProxies?: readonly string[];
  /** IPv6 clients are grouped by this prefix. 1–128, default 64. */
  ipv6PrefixLength?: number;
}

/**
 * The Express counterpart of the Fastify `rampartCore` plugin: resolves the client IP once per
 * request and sets `req.clientIp` (the socket peer, or, only when that peer is a trusted proxy,
 * the first untrusted `X-Forwarded-For` hop from the right; IPv4-mapped IPv6 as IPv4). Every
 * Rampart adapter reads it through `toSecurityRequest`, so every package agrees on the client.
 * Mount it first, with `app.use()`. The raw body is kept by `jsonBody()`.
 *
 * @example
 * app.use(rampartCore({ trustedProxies: ['10.0.0.0/8'] }));
 */
export function rampartCore(options: RampartCoreMiddlewareOptions = {}): RequestHandler {
  const resolver = createClientIpResolver(options, 'rampartCore');
  return function rampartCoreMiddleware(req: Request, _res: Response, next: NextFunction): void {
    req.clientIp = resolver.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    next();
  };
}
