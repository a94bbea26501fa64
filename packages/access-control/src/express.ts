/**
 * `@rampart/access-control/express`: the Express guards. Imports only types from `express`;
 * `req.auth` is core's `AuthContext`, set by `authenticate([...])` of `@rampart/core/express`.
 */
import {
  CONFIG_ERROR_CODES,
  forwardErrorsSchema,
  isRampartError,
  parseOptions,
  RampartConfigError,
} from '@rampart/core';
import { sendProblem } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { AccessControl } from './access-control.js';
import { type ExpressRouteStack, findRoutes } from './express-routes.js';
import { type AccessOutcome, type CompiledRequirement, compileRequirement } from './requirement.js';

/** Options of {@link expressAccessControl}. */
export interface ExpressAccessControlOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

/** Options of `guardRoutes`. */
export interface GuardRoutesOptions {
  /**
   * Refuse to start (throw `RampartConfigError` listing them) when a route declares no
   * requirement: deny by default for the whole app. Default `false`.
   */
  requireDeclared?: boolean;
}

/** The guards for one access control, typed by its permissions `P` and roles `R`. */
export interface ExpressAccessGuards<P extends string, R extends string> {
  /**
   * Lets a request through only when the caller holds every one of `permissions` (for an API key:
   * its owner's role grants them and so do its scopes). 401 `ERR_AUTH_REQUIRED` without `req.auth`,
   * 403 `ERR_FORBIDDEN` (or `ERR_INSUFFICIENT_SCOPE`) naming the first permission missing.
   */
  requirePermissions(...permissions: [P, ...P[]]): RequestHandler;
  /** Lets a request through only when the caller's role is (or inherits) one of `roles`. */
  requireRole(...roles: [R, ...R[]]): RequestHandler;
  /**
   * Lets through any caller `authenticate` identified, whatever their role (401 otherwise), but
   * never an API key (403 `ERR_INSUFFICIENT_SCOPE`): no scope opens a route that names no
   * permission. For routes that control the account, such as its keys, password or logout.
   */
  authenticatedRoute(): RequestHandler;
  /**
   * Lets through any caller `authenticate` identified, whatever their role (401 otherwise); one
   * limited by scopes (an API key) must also hold every one of `scopes` (403
   * `ERR_INSUFFICIENT_SCOPE`). For routes about the caller themself that a key may read, such as
   * `/me` with `profile:read`.
   */
  scopedRoute(...scopes: [P, ...P[]]): RequestHandler;
  /** Declares a route public (no permission needed), for `guardRoutes({ requireDeclared })`. */
  publicRoute(): RequestHandler;
  /**
   * Call once after every route is added. Gives each guarded route an `OPTIONS` handler that runs
   * the route's own middleware and guard, then answers 204 with `Allow` (Express would answer
   * OPTIONS itself, past every guard); GET routes already serve HEAD through the same guard. With
   * `requireDeclared`, throws when a route has no guard and is not `publicRoute()`. Reads the
   * router's stack (`app.router` on Express 5, `app._router` on 4). A CORS preflight is answered
   * by the CORS middleware, mounted before the routes, and never reaches this handler.
   */
  guardRoutes(app: { router?: unknown; _router?: unknown }, options?: GuardRoutesOptions): void;
}

const optionsSchema = z.strictObject({ forwardErrors: forwardErrorsSchema });
const guardRoutesSchema = z.strictObject({
  requireDeclared: z.boolean({ error: 'must be true or false.' }).default(false),
});

/** Every guard made by any access control, with its requirement: what `guardRoutes` looks for. */
const declarations = new WeakMap<RequestHandler, CompiledRequirement>();

/**
 * Builds the Express guards of `access`.
 *
 * @example
 * const guard = expressAccessControl(access);
 * app.get('/api/v1/admin/users', authenticate(authenticators), guard.requirePermissions('users:read'), listUsers);
 * app.get('/health', guard.publicRoute(), health);
 * guard.guardRoutes(app, { requireDeclared: true });
 */
export function expressAccessControl<P extends string, R extends string>(
  access: AccessControl<P, R>,
  options: ExpressAccessControlOptions = {},
): ExpressAccessGuards<P, R> {
  const { forwardErrors } = parseOptions('expressAccessControl', optionsSchema, options);

  function guardFor(requirement: CompiledRequirement): RequestHandler {
    function refuseOrPass(outcome: AccessOutcome, res: Response, next: NextFunction): void {
      if (outcome === undefined) next();
      else if (forwardErrors) next(outcome);
      else sendProblem(res, outcome);
    }
    const guard = function accessGuard(req: Request, res: Response, next: NextFunction): void {
      const context = {
        ip: req.clientIp ?? req.socket.remoteAddress,
        method: req.method,
        route: `${req.baseUrl}${typeof req.route?.path === 'string' ? req.route.path : ''}`,
      };
      let outcome: AccessOutcome | Promise<AccessOutcome>;
      try {
        outcome = requirement.check(req.auth, context);
      } catch (error) {
        next(error);
        return;
      }
      if (outcome instanceof Promise) {
        outcome.then(
          (settled) => refuseOrPass(settled, res, next),
          (error: unknown) =>
            isRampartError(error) && !forwardErrors ? sendProblem(res, error) : next(error),
        );
      } else {
        refuseOrPass(outcome, res, next);
      }
    };
    declarations.set(guard, requirement);
    return guard;
  }

  return Object.freeze({
    requirePermissions(...permissions: [P, ...P[]]) {
      return guardFor(compileRequirement(access, { permissions }, 'requirePermissions'));
    },
    requireRole(...roles: [R, ...R[]]) {
      return guardFor(compileRequirement(access, { roles }, 'requireRole'));
    },
    authenticatedRoute() {
      return guardFor(compileRequirement(access, 'authenticated', 'authenticatedRoute'));
    },
    scopedRoute(...scopes: [P, ...P[]]) {
      return guardFor(compileRequirement(access, { scopes }, 'scopedRoute'));
    },
    publicRoute() {
      return guardFor(compileRequirement(access, 'public', 'publicRoute'));
    },
    guardRoutes(
      app: { router?: unknown; _router?: unknown },
      routeOptions: GuardRoutesOptions = {},
    ) {
      const { requireDeclared } = parseOptions('guardRoutes', guardRoutesSchema, routeOptions);
      // Express 5 builds app.router on first read; Express 4 keeps it in _router.
      const router = (app.router ?? app._router) as { stack?: ExpressRouteStack } | undefined;
      const undeclared: string[] = [];
      const routes = [...findRoutes(router?.stack ?? [])];
      // The methods of each path of each router: OPTIONS answers them all in `Allow`.
      const methodsByPath = new Map<ExpressRouteStack, Map<string, Set<string>>>();
      const methodsOf = (found: (typeof routes)[number]) => {
        const paths = methodsByPath.get(found.stack) ?? new Map<string, Set<string>>();
        methodsByPath.set(found.stack, paths);
        const known = paths.get(found.path) ?? new Set<string>();
        paths.set(found.path, known);
        return known;
      };
      for (const found of routes) for (const method of found.methods) methodsOf(found).add(method);
      for (const found of routes) {
        const requirements = found.guards(declarations);
        if (requirements.length === 0) {
          undeclared.push(found.description);
          continue;
        }
        if (requirements.every((requirement) => requirement.isPublic)) continue;
        found.guardOptions(declarations, [...methodsOf(found)]);
      }
      if (requireDeclared && undeclared.length > 0) {
        throw undeclaredRoutesError(undeclared);
      }
    },
  });
}

function undeclaredRoutesError(routes: readonly string[]): RampartConfigError {
  return new RampartConfigError(
    'guardRoutes',
    `${routes.length} route(s) declare no permission: ${routes.join('; ')}. Add ` +
      'requirePermissions(...), requireRole(...), scopedRoute(...), authenticatedRoute() or publicRoute() to each (deny by default).',
    CONFIG_ERROR_CODES.invalidValue,
  );
}
