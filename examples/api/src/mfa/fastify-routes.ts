import { type AuthPreHandler, toSecurityRequest } from '@rampart/core/fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { MfaActions, WithCookies } from './mfa-actions.js';

function send<Body>(reply: FastifyReply, answer: WithCookies<Body>): FastifyReply {
  if (answer.setCookies.length > 0) reply.header('Set-Cookie', [...answer.setCookies]);
  return reply.send(answer.body);
}

/**
 * The MFA routes of EXAMPLE-API.md on Fastify, as `registerMfaExpressRoutes` on Express. `guard`
 * is the app's one `authenticate([...])` preHandler.
 */
export function registerMfaFastifyRoutes(
  scope: FastifyInstance,
  actions: MfaActions,
  guard: AuthPreHandler,
): void {
  scope.post(
    '/api/v1/auth/mfa/setup',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request) => actions.setup(request.auth!),
  );
  scope.post(
    '/api/v1/auth/mfa/enable',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) =>
      send(reply, await actions.enable(request.auth!, request.body, toSecurityRequest(request))),
  );
  scope.post(
    '/api/v1/auth/mfa/disable',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) =>
      send(reply, await actions.disable(request.auth!, request.body, toSecurityRequest(request))),
  );
  scope.post(
    '/api/v1/auth/mfa/recovery-codes',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request) => actions.regenerateRecoveryCodes(request.auth!, request.body),
  );
  scope.post('/api/v1/auth/mfa/challenge', { config: { access: 'public' } }, async (request) =>
    actions.challenge(request.body),
  );
}
