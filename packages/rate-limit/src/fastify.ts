/**
 * `@rampart/rate-limit/fastify`: the `fastifyRateLimit` plugin. Global policies for every route,
 * and per-route `config: { rateLimit }`. Imports only types from `fastify`.
 */
import {
  type Principal,
  parseOptions,
  RampartConfigError,
  type SyncAnswer,
  syncTwinOf,
} from '@rampart/core';
import { sendProblem, toSecurityRequest } from '@rampart/core/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import type { RateLimitDecision } from './decision.js';
import { writeRateLimitHeaders } from './headers.js';
import { limiterFor } from './limiter.js';
import {
  limiterOptionsSchema,
  limiterOptionsShape,
  type RateLimiterOptions,
  toLimiterConfig,
} from './options.js';
import { type FrameworkRequestReader, principalOfAuth, toLimitRequest } from './request.js';

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
  /**
   * Who the request's principal is, for `key: 'principal'`; default the user of `request.auth`
   * (core's AuthContext, set by `authenticate`): `{ id: auth.userId, kind: 'user' }`.
   */
  principal?: (request: FastifyRequest) => Principal | undefined;
}

type PrincipalOf = (request: FastifyRequest) => Principal | undefined;

const hookSchema = z.enum(['onRequest', 'preHandler'], {
  error: "must be 'onRequest' or 'preHandler'.",
});

const pluginShape = {
  hook: hookSchema.default('onRequest'),
  principal: z
    .custom<PrincipalOf>(
      (value) => typeof value === 'function',
      'must be a function (request) => Principal | undefined.',
    )
    .default(() => defaultPrincipal),
};

/** The plugin's options: a limiter's, each optional, since routes may bring their own policies. */
const pluginSchema = z.strictObject({
  ...z.object(limiterOptionsShape).partial().shape,
  ...pluginShape,
});

/** A limiter of a route: the plugin's options with the route's own over them. */
const routeLimiterSchema = limiterOptionsSchema(pluginShape);

function defaultPrincipal(request: FastifyRequest): Principal | undefined {
  return principalOfAuth(request.auth);
}

function setReplyHeader(reply: FastifyReply, name: string, value: string): void {
  reply.header(name, value);
}

/** What an earlier limiter of the route wrote, merged with this one's (a list of limiters). */
function getReplyHeader(reply: FastifyReply, name: string): unknown {
  return reply.getHeader(name);
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * The limiter of validated options, and the hook running it on a route, given the route's
 * registered pattern (which `onRoute` knows, so the hook need not ask Fastify on each request).
 */
function hooksFor(options: z.output<typeof routeLimiterSchema>): (route: string) => Hook {
  const config = toLimiterConfig(options);
  const limiter = limiterFor(config);
  // The adapter's own limiter, frozen: its twin is found once.
  const checkNow = syncTwinOf(limiter, 'check');
  const { principal } = options;
  const reader: FrameworkRequestReader<FastifyRequest> = {
    socketAddress: (request) => request.socket.remoteAddress,
    principal,
    body: (request) => request.body,
  };

  function apply(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    decision: RateLimitDecision,
  ): void {
    request.rateLimit = decision;
    writeRateLimitHeaders(decision, config.headers, reply, setReplyHeader, getReplyHeader);
    if (decision.allowed) done();
    else sendProblem(reply, limiter.exceededError(decision));
  }

  return (route) =>
    function rateLimitHook(
      request: FastifyRequest,
      reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ): void {
      let decision: SyncAnswer<RateLimitDecision>;
      try {
        const limited = toLimitRequest(request, toSecurityRequest(request, route), config, reader);
        decision =
          checkNow === undefined ? limiter.check(limited) : checkNow.call(limiter, limited);
      } catch (error) {
        sendProblem(reply, error);
        return;
      }
      if (decision instanceof Promise) {
        decision.then(
          (settled) => apply(request, reply, done, settled),
          (error: unknown) => sendProblem(reply, error),
        );
      } else apply(request, reply, done, decision);
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
  const plugin = parseOptions('fastifyRateLimit', pluginSchema, options);
  // A route's limiter is the plugin's options as given with the route's own over them.
  const { hook: _hook, principal: _principal, ...shared } = options;
  const limiterOptions = (owner: string, own: RouteLimiterConfig) =>
    parseOptions(owner, routeLimiterSchema, {
      ...shared,
      hook: plugin.hook,
      principal: plugin.principal,
      ...own,
    });
  const global =
    plugin.policies === undefined ? undefined : hooksFor(limiterOptions('fastifyRateLimit', {}));
  fastify.decorateRequest('rateLimit', null);
  fastify.addHook('onRoute', function attachRateLimit(routeOptions: RouteOptions): void {
    const routeConfig = (routeOptions.config as { rateLimit?: RouteRateLimitConfig } | undefined)
      ?.rateLimit;
    if (routeConfig === false) return;
    if (routeConfig === undefined) {
      if (global !== undefined) appendHook(routeOptions, plugin.hook, global(routeOptions.url));
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
      const parsed = limiterOptions(name, item as RouteLimiterConfig);
      appendHook(routeOptions, parsed.hook, hooksFor(parsed)(routeOptions.url));
    }
  });
}

/**
 * The Fastify plugin. Register it before the routes it limits. With `policies` it limits every
 * route (each route and method has its own buckets, keyed on the registered pattern); a route's
 * `config.rateLimit` replaces them (inheriting `store`, `key`, `headers` … from the plugin), and
 * `config: { rateLimit: false }` exempts it. A list of limiters checks each in turn: the first
 * that refuses answers the 429 and the later ones count nothing; the response's `RateLimit-Policy`
 * and `RateLimit` list the policies of every limiter checked, `X-RateLimit-*` the tightest (or
 * the refusing one), `Retry-After` the refusing one's. The decision is on `request.rateLimit`
 * (the last limiter's).
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
