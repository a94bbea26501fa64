import type { AuthPreHandler } from '@rampart/core/fastify';
import { toSecurityRequest } from '@rampart/core/fastify';
import type { RouteRateLimitConfig } from '@rampart/rate-limit/fastify';
import type { FastifyInstance } from 'fastify';
import type { SessionActions } from './session-actions.js';

/** What the sessions routes need from the app. */
export interface SessionFastifyRoutesOptions {
  readonly actions: SessionActions;
  /** The app's one authenticate preHandler (bearer, API key, session cookie). */
  readonly guard: AuthPreHandler;
  /** The login limits' route config, shared with `POST /api/v1/auth/login` (one scope). */
  readonly loginLimits: RouteRateLimitConfig;
}

/** The "Sessions" routes of EXAMPLE-API.md on Fastify, in the order of the Express ones. */
export function registerSessionFastifyRoutes(
  scope: FastifyInstance,
  options: SessionFastifyRoutesOptions,
): void {
  const { actions, guard, loginLimits } = options;
  scope.post(
    '/api/v1/sessions',
    { config: { rateLimit: loginLimits, access: 'public' } },
    async (request, reply) => {
      const { body, setCookies } = await actions.login(request.body, toSecurityRequest(request));
      return reply.header('set-cookie', setCookies).code(201).send(body);
    },
  );
  scope.get(
    '/api/v1/sessions',
    { preHandler: guard, config: { access: 'authenticated' } },
    (request) => actions.list(request.auth!),
  );
  scope.delete(
    '/api/v1/sessions/current',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) => {
      const cleared = await actions.endCurrent(request.auth!);
      return reply.header('set-cookie', cleared).code(204).send();
    },
  );
  scope.delete(
    '/api/v1/sessions/:id',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) => {
      await actions.revoke(request.auth!, (request.params as { id?: unknown }).id);
      return reply.code(204).send();
    },
  );
  scope.delete(
    '/api/v1/sessions',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) => {
      await actions.revokeOthers(request.auth!);
      return reply.code(204).send();
    },
  );

  // EXAMPLE-API.md, "Admin": any user's sessions, by their public ids (never a token).
  scope.get(
    '/api/v1/admin/sessions',
    { preHandler: guard, config: { access: { permissions: ['users:read'] } } },
    (request) => actions.adminList((request.query as { userId?: unknown }).userId),
  );
  scope.delete(
    '/api/v1/admin/users/:id/sessions',
    { preHandler: guard, config: { access: { permissions: ['users:write'] } } },
    async (request, reply) => {
      await actions.adminRevokeAll(request.auth!, (request.params as { id?: unknown }).id);
      return reply.code(204).send();
    },
  );
}
