import { fastifyAccessControl } from '@rampart/access-control/fastify';
import type { AuthContext, IpFilter, RuntimeSecuritySettings } from '@rampart/core';
import { type AuthPreHandler, fastifyIpFilter } from '@rampart/core/fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAUTH_BASE_PATH } from '../oauth/app-oauth.js';
import type { AdminService } from './admin-service.js';
import type { AppAccessControl } from './app-access.js';
import { IP_FILTER_EXEMPT } from './app-settings.js';

/**
 * The first hook of the app, before CORS and the security headers: the settings' version check,
 * so every later step of the request (CORS origins, the IP filter, the routes) reads the newest
 * settings any instance wrote.
 */
export function registerSettingsSync(
  app: FastifyInstance,
  settings: RuntimeSecuritySettings,
): void {
  app.addHook('onRequest', async function syncSettings() {
    try {
      await settings.sync();
    } catch {
      // A store that cannot answer leaves this process on the last settings it saw: the request
      // goes on to the security headers and to routes whose own stores refuse it (503) or, for
      // /health, report the outage. Refusing here would answer before the headers are set.
    }
  });
}

/**
 * Registered right after `rampartCore` (the client IP): the IP filter on the settings' lists
 * (/health exempt), and the access-control plugin, which guards each route by its
 * `config.access` (HEAD twins and OPTIONS siblings included).
 */
export function registerFastifyAccess(
  app: FastifyInstance,
  access: AppAccessControl,
  ipFilter: IpFilter,
): void {
  app.register(fastifyIpFilter, { filter: ipFilter, exemptPaths: [...IP_FILTER_EXEMPT] });
  // Every route declares its config.access (deny by default): one without stops the start.
  app.register(fastifyAccessControl, {
    access,
    requireDeclared: true,
    // @rampart/oauth's start and callback routes, whose options the app does not write.
    routes: {
      [`${OAUTH_BASE_PATH}/:provider`]: 'public',
      [`${OAUTH_BASE_PATH}/:provider/callback`]: 'public',
    },
  });
}

/** The admin routes of EXAMPLE-API.md built here (users, roles, security settings). */
export function registerAdminFastifyRoutes(
  scope: FastifyInstance,
  admin: AdminService,
  authenticated: AuthPreHandler,
): void {
  const caller = (request: FastifyRequest) => request.auth as AuthContext;

  scope.get(
    '/api/v1/admin/users',
    { preHandler: authenticated, config: { access: { permissions: ['users:read'] } } },
    (request) => admin.listUsers(request.query),
  );
  scope.post<{ Params: { id: string } }>(
    '/api/v1/admin/users/:id/role',
    { preHandler: authenticated, config: { access: { permissions: ['users:write'] } } },
    (request) =>
      admin.changeRole(caller(request), request.params.id, request.body, {
        ip: request.clientIp,
        method: request.method,
        route: request.routeOptions.url ?? '',
      }),
  );
  scope.get(
    '/api/v1/admin/security/settings',
    { preHandler: authenticated, config: { access: { permissions: ['settings:read'] } } },
    async () => admin.settings(),
  );
  scope.patch(
    '/api/v1/admin/security/settings',
    { preHandler: authenticated, config: { access: { permissions: ['settings:write'] } } },
    (request) => admin.patchSettings(caller(request), request.body, request.clientIp),
  );
}
