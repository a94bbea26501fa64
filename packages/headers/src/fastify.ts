/**
 * `@rampart/headers/fastify`: the Fastify plugins. Imports only types from `fastify`.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { createCors } from './cors.js';
import type { CorsOptions } from './cors-options.js';
import { createNonce } from './nonce.js';
import {
  createSecurityHeaders,
  type SecurityHeaderSet,
  type SecurityHeadersOptions,
} from './security-headers.js';
import { appendVary } from './vary.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * This route's own security headers, set over the plugin's (`{ preset: 'page' }` for an
     * HTML page; its nonce is `cspNonce(reply)`).
     */
    securityHeaders?: SecurityHeadersOptions;
  }
}

const nonces = new WeakMap<FastifyReply, string>();

/**
 * The CSP nonce of this reply, set on routes with `config: { securityHeaders: { preset: 'page' } }`:
 * write it in the `nonce` attribute of every inline `<script>` and `<style>`. Throws on a route
 * without the page preset (a page without its nonce would have its scripts blocked).
 */
export function cspNonce(reply: FastifyReply): string {
  const nonce = nonces.get(reply);
  if (nonce === undefined) {
    throw new Error(
      "cspNonce: no nonce on this reply; give the route config: { securityHeaders: { preset: 'page' } }.",
    );
  }
  return nonce;
}

/** An `onRequest` hook that puts a header set on the reply (Fastify sends no X-Powered-By). */
function headersHook(set: SecurityHeaderSet): onRequestHookHandler {
  const { record, policyWithNonce } = set;
  if (policyWithNonce === undefined) {
    return function securityHeaders(
      _request: FastifyRequest,
      reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ): void {
      reply.headers(record);
      done();
    };
  }
  return function pageSecurityHeaders(
    _request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    const nonce = createNonce();
    nonces.set(reply, nonce);
    reply.headers(record);
    reply.header('Content-Security-Policy', policyWithNonce(nonce));
    done();
  };
}

async function securityHeadersPlugin(
  fastify: FastifyInstance,
  options: SecurityHeadersOptions,
): Promise<void> {
  const set = createSecurityHeaders(options, 'fastifySecurityHeaders');
  // onRequest, the first phase: every reply after it (a 404, a problem from the error handler,
  // a preflight answered by fastifyCors) carries the headers, and a handler can still set its own.
  fastify.addHook('onRequest', headersHook(set));
  fastify.addHook('onRoute', function attachRouteHeaders(routeOptions: RouteOptions): void {
    const own = routeOptions.config?.securityHeaders;
    if (own === undefined) return;
    const routeSet = createSecurityHeaders(own, `${routeOptions.url}: config.securityHeaders`);
    const existing = routeOptions.onRequest;
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    // Before the route's own onRequest hooks, after the app-wide one it overrides.
    routeOptions.onRequest = [headersHook(routeSet), ...list];
  });
}

/**
 * Sets the preset's security headers (helmet's, rendered once, plus Permissions-Policy and
 * Cache-Control) on every reply in an `onRequest` hook. Register it before core's `rampartCore`
 * and before `fastifyCors`, so that problems from their hooks, 404s and preflights carry the
 * headers too. A route takes its own with `config: { securityHeaders: { preset: 'page' } }`.
 *
 * @example
 * await app.register(fastifySecurityHeaders);
 * await app.register(fastifyCors, { origins: ['https://app.example.com'], credentials: true });
 * await app.register(rampartCore);
 */
export const fastifySecurityHeaders = fp(securityHeadersPlugin, {
  fastify: '5.x',
  name: '@rampart/headers',
});

async function corsPlugin(fastify: FastifyInstance, options: CorsOptions): Promise<void> {
  const policy = createCors(options, 'fastifyCors');
  fastify.addHook(
    'onRequest',
    function cors(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      const requestMethod = request.headers['access-control-request-method'];
      const decision = policy.decide(
        request.method,
        request.headers.origin,
        typeof requestMethod === 'string' ? requestMethod : undefined,
      );
      for (const [name, value] of decision.headers) reply.header(name, value);
      if (decision.varyOrigin) reply.header('Vary', appendVary(reply.getHeader('vary'), 'Origin'));
      if (decision.preflight) {
        // Answered here: no route, guard or body parser runs for a preflight.
        reply.code(204).send();
        return;
      }
      done();
    },
  );
  if (!policy.variesOnOrigin) return;
  // A handler's `reply.header('Vary', …)` replaces the field set above, and a cache would then
  // hand one origin's answer to another: Origin is appended again before the head is written.
  fastify.addHook('onSend', function keepVaryOrigin(_request, reply, payload, done) {
    const vary = reply.getHeader('vary');
    const merged = appendVary(vary, 'Origin');
    if (merged !== vary) reply.header('Vary', merged);
    done(null, payload);
  });
}

/**
 * CORS with exact origin matching, in an `onRequest` hook. An allowed origin's request gets
 * `Access-Control-Allow-Origin: <that origin>` (and credentials and the exposed headers, as
 * configured); its preflight is answered here, 204, on any path. Any other origin gets no CORS
 * headers and never an error. `Vary: Origin` is on every reply of a policy with listed origins,
 * also when a handler sets its own `Vary` (merged in an `onSend` hook).
 *
 * @example
 * await app.register(fastifyCors, { origins: () => settings.get().corsOrigins, credentials: true });
 */
export const fastifyCors = fp(corsPlugin, { fastify: '5.x', name: '@rampart/headers-cors' });
