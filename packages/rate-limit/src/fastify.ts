/**
 * `@rampart/rate-limit/fastify`: the `fastifyRateLimit` plugin. Global policies for every route,
 * and per-route `config: { rateLimit }`. Imports only types from `fastify`.
 */
import type { Principal } from '@rampart/core';
import { RampartConfigError } from '@rampart/core';
import { sendProblem } from '@rampart/core/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitDecision } from './decision.js';
import { writeRateLimitHeaders } from './headers.js';
import { createRateLimiter, evaluateRequest, type RateLimiter } from './limiter.js';
import type { RateLimiterOptions } from './options.js';
import type { RateLimitRequest } from './request.js';
import { requestIp } from './socket-ip.js';

/** One limiter of a route: its own policies (and any limiter option), and the hook it runs in. */
export type RouteLimiterConfig = Partial<RateLimiterOptions> & { hook?: RateLimitHook };

/**
 * A route's `config.rateLimit`: one limiter, several (each with its own key, checked in order:
 * `onRequest` ones before `preHandler` ones, and in the listed order within a hook), or `false`
 * for none.
 */
export type RouteRateLimitConfig = RouteLimiterConfig | readonly RouteLimiterConfig[] | false;

/** Where the check runs: `onRequest` (before the body is read, cheapest) or `preHandler` (after auth and body parsing). */
export type RateLimitHook = 'onRequest' | 'preHandler';

declare module 'fastify' {
  interface FastifyRequest {
    /** The rate-limit decision for this request; `null` on routes without a limit. */
    rateLimit: RateLimitDecision | null;
  }
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimitConfig;
  }
}

/** Options of {@link fastifyRateLimit}. Without `policies`, only routes with `config.rateLimit` are limited. */
export interface FastifyRateLimitOptions extends Partial<RateLimiterOptions> {
  /** Default hook for every limited route; default `'onRequest'`. */
  hook?: RateLimitHook;
  /** Where the authenticated principal is; default `request.principal`. */
  principal?: (request: FastifyRequest) => Principal | undefined;
}

function defaultPrincipal(request: FastifyRequest): Principal | undefined {
  return (request as FastifyRequest & { principal?: Principal }).principal;
}

function setReplyHeader(reply: FastifyReply, name: string, value: string): void {
  reply.header(name, value);
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

function buildHook(
  limiter: RateLimiter,
  route: string,
  principalOf: FastifyRateLimitOptions['principal'] & {},
): Hook {
  const { clientIp, headers: headerOptions } = limiter.options;
  const evaluate = limiter[evaluateRequest];
  // No closure per request on the synchronous (memory) path: the hook runs on every request.
  function apply(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    decision: RateLimitDecision,
  ): void {
    request.rateLimit = decision;
    writeRateLimitHeaders(decision, headerOptions, reply, setReplyHeader);
    if (decision.allowed) done();
    else sendProblem(reply, limiter.exceededError(decision));
  }
  return function rateLimitHook(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    // `clientIp` is decorated by core's `rampartCore` (same trusted-proxy rules) when registered.
    const resolved = (request as { clientIp?: unknown }).clientIp;
    const headers = request.headers;
    const check: RateLimitRequest = {
      method: request.method,
      url: request.url,
      headers,
      ip:
        typeof resolved === 'string' && resolved !== ''
          ? resolved
          : requestIp(clientIp, request.socket, headers['x-forwarded-for']),
      route,
      principal: principalOf(request),
      body: request.body,
    };
    let result: RateLimitDecision | Promise<RateLimitDecision>;
    try {
      result = evaluate(check);
    } catch (error) {
      sendProblem(reply, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (decision) => apply(request, reply, done, decision),
        (error: unknown) => sendProblem(reply, error),
      );
    } else apply(request, reply, done, result);
  };
}

function appendHook(routeOptions: RouteOptions, hook: RateLimitHook, handler: Hook): void {
  const existing = routeOptions[hook];
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  // Ours runs first among the route's own hooks of that phase, so a refused request costs least.
  (routeOptions as unknown as Record<RateLimitHook, unknown>)[hook] = [handler, ...list];
}

async function rateLimitPlugin(
  fastify: FastifyInstance,
  options: FastifyRateLimitOptions,
): Promise<void> {
  const { hook: defaultHook = 'onRequest', principal = defaultPrincipal, ...shared } = options;
  if (defaultHook !== 'onRequest' && defaultHook !== 'preHandler')
    throw new RampartConfigError('fastifyRateLimit.hook', "must be 'onRequest' or 'preHandler'.");
  if (typeof principal !== 'function')
    throw new RampartConfigError(
      'fastifyRateLimit.principal',
      'must be a function (request) => Principal | undefined.',
    );
  const global =
    shared.policies === undefined
      ? undefined
      : createRateLimiter(shared as RateLimiterOptions, 'fastifyRateLimit');
  fastify.decorateRequest('rateLimit', null);
  fastify.addHook('onRoute', function attachRateLimit(routeOptions: RouteOptions): void {
    const routeConfig = (routeOptions.config as { rateLimit?: RouteRateLimitConfig } | undefined)
      ?.rateLimit;
    if (routeConfig === false) return;
    if (routeConfig === undefined) {
      if (global !== undefined) {
        appendHook(routeOptions, defaultHook, buildHook(global, routeOptions.url, principal));
      }
      return;
    }
    const owner = `${routeOptions.url}: config.rateLimit`;
    const list = Array.isArray(routeConfig) ? routeConfig : [routeConfig];
    if (list.length === 0) {
      throw new RampartConfigError(owner, 'must list at least one limiter, or be false.');
    }
    // Each hook is put before the route's own hooks of its phase; attaching the last first keeps
    // the listed order among them.
    for (let i = list.length - 1; i >= 0; i--) {
      const name = Array.isArray(routeConfig) ? `${owner}[${i}]` : owner;
      const item: unknown = list[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item))
        throw new RampartConfigError(name, 'must be an object of limiter options or false.');
      const { hook: routeHook = defaultHook, ...routeLimiter } = item as RouteLimiterConfig;
      if (routeHook !== 'onRequest' && routeHook !== 'preHandler')
        throw new RampartConfigError(`${name}.hook`, "must be 'onRequest' or 'preHandler'.");
      const limiter = createRateLimiter({ ...shared, ...routeLimiter } as RateLimiterOptions, name);
      appendHook(routeOptions, routeHook, buildHook(limiter, routeOptions.url, principal));
    }
  });
}

/**
 * The Fastify plugin. Register it before the routes it limits. With `policies` it limits every
 * route (each route and method has its own buckets, keyed on the registered pattern); a route's
 * `config.rateLimit` replaces them (inheriting `store`, `key`, `headers` … from the plugin), and
 * `config: { rateLimit: false }` exempts it. A list of limiters checks each in turn: the first
 * that refuses answers the 429 and the later ones count nothing; an allowed request carries the
 * headers of the last one. The decision is on `request.rateLimit` (the last limiter's).
 *
 * @example
 * await app.register(fastifyRateLimit, { store, policies: { minute: { limit: 100, windowMs: 60_000 } } });
 * app.post('/login', { config: { rateLimit: { hook: 'preHandler', key: ['ip', (r) => email(r.body)],
 *   policies: { login: { algorithm: 'fixed-window', limit: 5, windowMs: 900_000 } } } } }, handler);
 */
export const fastifyRateLimit = fp(rateLimitPlugin, {
  fastify: '5.x',
  name: '@rampart/rate-limit',
});
