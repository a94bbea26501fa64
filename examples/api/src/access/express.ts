import { type ExpressAccessGuards, expressAccessControl } from '@rampart/access-control/express';
import type { AuthContext, IpFilter, RuntimeSecuritySettings } from '@rampart/core';
import { ipFilter } from '@rampart/core/express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminService } from './admin-service.js';
import {
  APP_RULES,
  type AppAccessControl,
  type AppPermission,
  type AppRole,
} from './app-access.js';
import { IP_FILTER_EXEMPT } from './app-settings.js';

/** The app's Express guards, typed by its permissions and roles. */
export type AppExpressGuards = ExpressAccessGuards<AppPermission, AppRole>;

export function appExpressGuards(access: AppAccessControl): AppExpressGuards {
  return expressAccessControl(access);
}

/** Declarations that read no role, so any access control's serve: the rules alone make them. */
const roleless = appExpressGuards(APP_RULES);
/**
 * The declaration of a route that needs nothing (a login, a provider's callback). Every route
 * declares what it needs: `guardRoutes({ requireDeclared: true })` refuses to start otherwise.
 */
export const publicRoute: RequestHandler = roleless.publicRoute();
/**
 * After `authenticate`: any identified caller, whatever their role, but never an API key (403
 * `ERR_INSUFFICIENT_SCOPE`): the routes that control the account (its keys, password, MFA,
 * sessions, logout, consent, deletion), which a leaked key must never reach.
 */
export const anyCaller: RequestHandler = roleless.authenticatedRoute();
/** After `authenticate`: any identified caller; an API key only with `profile:read` (`/me`). */
export const profileReader: RequestHandler = roleless.scopedRoute('profile:read');

/**
 * The first middleware of the app, before CORS and the security headers: the settings' version
 * check, so every later step of the request (CORS origins, the IP filter, the routes) reads the
 * newest settings any instance wrote.
 */
export function expressSyncSettings(settings: RuntimeSecuritySettings): RequestHandler {
  return function syncSettings(_req: Request, _res: Response, next: NextFunction): void {
    // A store that cannot answer leaves this process on the last settings it saw: the request
    // goes on to the security headers and to routes whose own stores refuse it (503) or, for
    // /health, report the outage. Refusing here would answer before the headers are set.
    const proceed = () => next();
    settings.sync().then(proceed, proceed);
  };
}

/** After `rampartCore()` (the client IP): the IP filter on the settings' lists, /health exempt. */
export function expressIpFilter(filter: IpFilter): RequestHandler {
  return ipFilter(filter, { exemptPaths: [...IP_FILTER_EXEMPT] });
}

/** The admin routes of EXAMPLE-API.md built here (users, roles, security settings). */
export function registerAdminExpressRoutes(
  app: Express,
  admin: AdminService,
  guards: AppExpressGuards,
  authenticated: RequestHandler,
): void {
  const caller = (req: Request) => req.auth as AuthContext;
  const context = (req: Request) => ({
    ip: req.clientIp ?? '',
    method: req.method,
    route: `${req.baseUrl}${String(req.route?.path ?? '')}`,
  });

  app.get(
    '/api/v1/admin/users',
    authenticated,
    guards.requirePermissions('users:read'),
    async (req: Request, res: Response) => {
      res.json(await admin.listUsers(req.query));
    },
  );
  app.post(
    '/api/v1/admin/users/:id/role',
    authenticated,
    guards.requirePermissions('users:write'),
    async (req: Request, res: Response) => {
      res.json(await admin.changeRole(caller(req), String(req.params.id), req.body, context(req)));
    },
  );
  app.get(
    '/api/v1/admin/security/settings',
    authenticated,
    guards.requirePermissions('settings:read'),
    (_req: Request, res: Response) => {
      res.json(admin.settings());
    },
  );
  app.patch(
    '/api/v1/admin/security/settings',
    authenticated,
    guards.requirePermissions('settings:write'),
    async (req: Request, res: Response) => {
      res.json(await admin.patchSettings(caller(req), req.body, req.clientIp ?? ''));
    },
  );
}
