/**
 * `@rampart/access-control/fastify`: the Fastify plugin. Imports only types from `fastify`;
 * `request.auth` is core's `AuthContext`, set by `authenticate([...])` of `@rampart/core/fastify`.
 */
import { CONFIG_ERROR_CODES, parseOptions, RampartConfigError } from '@rampart/core';
import { decorateAuth, sendProblem } from '@rampart/core/fastify';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { AccessControl } from './access-control.js';
import type { RouteAccess } from './register.js';
import { type CompiledRequirement, compileRequirement } from './requirement.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route needs: `{ permissions: [...] }` (all of them), `{ roles: [...] }` (any of
     * them), `{ scopes: [...] }` (any identified caller; an API key must hold them all),
     * `'authenticated'` (any identified caller but an API key) or `'public'`. Checked by `fastifyAccessControl`, after the route's authentication.
     */
    access?: RouteAccess;
  }
}

/** Options of {@link fastifyAccessControl}. */
export interface FastifyAccessControlOptions {
  /** The access control from `createAccessControl`. */
  access: AccessControl<string, string>;
  /**
   * Refuse to start (throw `RampartConfigError` when the route is added) for a route without
   * `config.access`: deny by default for the whole app. Routes added before the plugin are not
   * seen. Default `false`.
   */
  requireDeclared?: boolean;
  /**
   * What the routes of code you do not write (another package's plugin) need, by URL as Fastify
   * sees it (prefix included): `{ '/auth/oauth/:provider': 'public' }`. Used for a route without
   * `config.access`; every method of that URL gets it. Checked as `config.access` is.
   */
  routes?: Readonly<Record<string, RouteAccess>>;
  /**
   * Give each guarded route an `OPTIONS` sibling that runs the route's hooks and guard, then
   * answers 204 with `Allow`, so OPTIONS never bypasses the guard (a CORS preflight is answered by
   * the CORS hook before it). Default `true`.
   */
  guardOptions?: boolean;
  /** The route hook the guard is appended to, after the route's own (authentication). Default `preHandler`. */
  hook?: 'onRequest' | 'preValidation' | 'preHandler';
}

type GuardHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void;

const optionsSchema = z.strictObject({
  access: z.instanceof(AccessControl, { error: 'must be the result of createAccessControl.' }),
  requireDeclared: z.boolean({ error: 'must be true or false.' }).default(false),
  routes: z
    .record(z.string().startsWith('/', 'must be a URL path.'), z.custom<RouteAccess>())
    .default({}),
  guardOptions: z.boolean({ error: 'must be true or false.' }).default(true),
  hook: z.enum(['onRequest', 'preValidation', 'preHandler']).default('preHandler'),
});

/** The OPTIONS siblings this plugin added: their onRoute pass must leave them alone. */
const optionsHandlers = new WeakSet<object>();

function guardFor(requirement: CompiledRequirement): GuardHook {
  return function accessGuard(request, reply, done) {
    const outcome = requirement.check(request.auth, {
      ip: request.clientIp ?? request.ip,
      method: request.method,
      route: request.routeOptions.url ?? '',
    });
    if (outcome instanceof Promise) {
      outcome.then(
        (settled) => (settled === undefined ? done() : void sendProblem(reply, settled)),
        (error: unknown) => done(error as Error),
      );
    } else if (outcome === undefined) {
      done();
    } else {
      sendProblem(reply, outcome);
    }
  };
}

function hooksOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

async function accessControlPlugin(
  fastify: FastifyInstance,
  options: FastifyAccessControlOptions,
): Promise<void> {
  const { access, requireDeclared, routes, guardOptions, hook } = parseOptions(
    'fastifyAccessControl',
    optionsSchema,
    options,
  );
  decorateAuth(fastify);
  const methodsByUrl = new Map<string, Set<string>>();
  const optionsAdded = new Set<string>();

  fastify.addHook('onRoute', function guardRoute(this: FastifyInstance, route: RouteOptions) {
    if (optionsHandlers.has(route.handler)) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    const known = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const method of methods) known.add(method);
    methodsByUrl.set(route.url, known);

    const byUrl = Object.hasOwn(routes, route.url) ? routes[route.url] : undefined;
    const declared = route.config?.access ?? byUrl;
    const name = `${methods.join(',')} ${route.url}`;
    if (declared === undefined) {
      if (!requireDeclared) return;
      throw new RampartConfigError(
        `fastifyAccessControl (${name})`,
        "declares no permission. Add config: { access: { permissions: [...] } }, { roles: [...] }, { scopes: [...] }, 'authenticated' or 'public' (deny by default), or, for a plugin's route, its URL to the routes option.",
        CONFIG_ERROR_CODES.invalidValue,
      );
    }
    const where = route.config?.access === undefined ? `routes['${route.url}']` : 'config.access';
    const requirement = compileRequirement(access, declared, `${name} ${where}`);
    if (requirement.isPublic) return;
    const guard = guardFor(requirement);
    // A new array: the route's own options are copied for its HEAD twin, which gets its own guard.
    (route as unknown as Record<string, unknown>)[hook] = [...hooksOf(route[hook]), guard];

    if (!guardOptions || methods.includes('OPTIONS') || optionsAdded.has(route.url)) return;
    optionsAdded.add(route.url);
    const answerOptions = async function answerOptions(
      _request: FastifyRequest,
      reply: FastifyReply,
    ) {
      const allowed = new Set(methodsByUrl.get(route.url));
      if (allowed.has('GET')) allowed.add('HEAD');
      allowed.add('OPTIONS');
      return reply
        .code(204)
        .header('Allow', [...allowed].join(', '))
        .send();
    };
    optionsHandlers.add(answerOptions);
    this.route({
      method: 'OPTIONS',
      // routePath is the url without this instance's prefix, which route() adds again.
      url: (route as RouteOptions & { routePath?: string }).routePath ?? route.url,
      config: route.config,
      onRequest: route.onRequest,
      preParsing: route.preParsing,
      preValidation: route.preValidation,
      preHandler: route.preHandler,
      [hook]: (route as unknown as Record<string, unknown>)[hook],
      handler: answerOptions,
    } as RouteOptions);
  });
}

/**
 * Guards every route by its `config.access`, with `request.auth` from core's `authenticate`:
 * 401 without it, 403 `ERR_FORBIDDEN` (or `ERR_INSUFFICIENT_SCOPE` for an API key's scopes) naming
 * the missing permission, `ACCESS_DENIED` events. HEAD routes get the GET route's guard; OPTIONS
 * gets a guarded sibling. Register it before the routes (and after a CORS plugin).
 *
 * @example
 * await app.register(fastifyAccessControl, { access, requireDeclared: true });
 * app.get('/api/v1/admin/users', {
 *   preHandler: authenticate(authenticators),
 *   config: { access: { permissions: ['users:read'] } },
 * }, listUsers);
 */
export const fastifyAccessControl = fp(accessControlPlugin, {
  fastify: '5.x',
  name: '@rampart/access-control',
});
