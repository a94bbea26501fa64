/**
 * `@rampart/headers/express`: the Express adapters. Imports only types from `express`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createCors } from './cors.js';
import type { CorsOptions } from './cors-options.js';
import { createNonce } from './nonce.js';
import { createSecurityHeaders, type SecurityHeadersOptions } from './security-headers.js';
import { appendVary } from './vary.js';

/**
 * Sets the preset's security headers on every response and removes `X-Powered-By`. Register it
 * first, before core's `strictRequest()` and `rampartCore()`: headers set here stay on every
 * answer that follows, problem responses from `problemErrorHandler()` and `notFoundHandler()`
 * included. A route may then set its own value of any of them (`res.set`), or mount
 * `securityHeaders({ preset: 'page' })` to get the page policy; its nonce is
 * `res.locals.cspNonce` (see {@link cspNonce}).
 *
 * @example
 * app.use(securityHeaders());
 * app.get('/dashboard', securityHeaders({ preset: 'page' }), renderDashboard);
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): RequestHandler {
  const set = createSecurityHeaders(options, 'securityHeaders');
  const { fields, removed, policyWithNonce } = set;
  if (policyWithNonce === undefined) {
    return function securityHeadersMiddleware(_req: Request, res: Response, next: NextFunction) {
      for (const [name, value] of fields) res.setHeader(name, value);
      for (const name of removed) res.removeHeader(name);
      next();
    };
  }
  return function pageSecurityHeadersMiddleware(_req: Request, res: Response, next: NextFunction) {
    const nonce = createNonce();
    res.locals.cspNonce = nonce;
    res.setHeader('Content-Security-Policy', policyWithNonce(nonce));
    for (const [name, value] of fields) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

/**
 * The CSP nonce of this response, set by `securityHeaders({ preset: 'page' })`: write it in the
 * `nonce` attribute of every inline `<script>` and `<style>`. Throws when the page preset did not
 * run for this response (a page without its nonce would have its scripts blocked).
 */
export function cspNonce(res: Response): string {
  const nonce: unknown = res.locals.cspNonce;
  if (typeof nonce !== 'string') {
    throw new Error(
      "cspNonce: no nonce on this response; mount securityHeaders({ preset: 'page' }) on the route.",
    );
  }
  return nonce;
}

type WriteHead = (this: Response, ...args: unknown[]) => Response;

/**
 * A handler's `res.setHeader('Vary', …)` (or `writeHead(status, { vary })`) replaces the whole
 * field, and a cache would then hand one origin's answer to another: `Origin` is appended again
 * as the head is written, to this response only (Express's prototype is left alone). Every
 * answer goes through `writeHead`: `res.end()` without it calls it too.
 */
function keepVaryOrigin(res: Response): void {
  const writeHead = res.writeHead as WriteHead;
  res.writeHead = function writeHeadVaryingOnOrigin(this: Response, ...args: unknown[]) {
    // writeHead(status, [reason], [headers]): headers given here replace those already set.
    const last = args.length - 1;
    const given = args[last];
    if (last > 0 && typeof given === 'object' && given !== null && !Array.isArray(given)) {
      const headers = { ...(given as Record<string, string | number | readonly string[]>) };
      const name = Object.keys(headers).find((key) => key.toLowerCase() === 'vary');
      if (name !== undefined) {
        headers[name] = appendVary(headers[name], 'Origin');
        args[last] = headers;
        return writeHead.apply(this, args);
      }
    }
    const vary = this.getHeader('Vary');
    const merged = appendVary(vary, 'Origin');
    if (merged !== vary) this.setHeader('Vary', merged);
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}

/**
 * CORS with exact origin matching. An allowed origin's request gets
 * `Access-Control-Allow-Origin: <that origin>` (and credentials and the exposed headers, as
 * configured); its preflight is answered here, 204, and goes no further. Any other origin gets
 * no CORS headers and is never refused with an error: the browser keeps the answer from the
 * page. `Vary: Origin` is on every response of a policy with listed origins, also when a handler
 * sets its own `Vary` (the two are merged as the head is written).
 *
 * @example
 * app.use(securityHeaders());
 * app.use(cors({ origins: ['https://app.example.com'], credentials: true }));
 */
export function cors(options: CorsOptions): RequestHandler {
  const policy = createCors(options, 'cors');
  return function corsMiddleware(req: Request, res: Response, next: NextFunction) {
    const origin = req.headers.origin;
    const requestMethod = req.headers['access-control-request-method'];
    const decision = policy.decide(
      req.method,
      origin,
      typeof requestMethod === 'string' ? requestMethod : undefined,
    );
    for (const [name, value] of decision.headers) res.setHeader(name, value);
    if (decision.varyOrigin) {
      res.setHeader('Vary', appendVary(res.getHeader('Vary'), 'Origin'));
      keepVaryOrigin(res);
    }
    if (!decision.preflight) {
      next();
      return;
    }
    res.statusCode = 204;
    res.setHeader('Content-Length', '0');
    res.end();
  };
}
