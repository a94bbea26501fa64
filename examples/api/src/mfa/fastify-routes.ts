import type { AuthPreHandler } from '@rampart/core/fastify';
import type { FastifyInstance } from 'fastify';
import type { MfaActions } from './mfa-actions.js';

/**
 * The MFA routes of EXAMPLE-API.md on Fastify, as `registerMfaExpressRoutes` on Express. `guard`
 * is the app's one `authenticate([...])` preHandler.
 */
export function registerMfaFastifyRoutes(
  scope: FastifyInstance,
  actions: MfaActions,
  guard: AuthPreHandler,
): void {
  scope.post('/api/v1/auth/mfa/setup', { preHandler: guard }, async (request) =>
    actions.setup(request.auth!),
  );
  scope.post('/api/v1/auth/mfa/enable', { preHandler: guard }, async (request) =>
    actions.enable(request.auth!, request.body),
  );
  scope.post('/api/v1/auth/mfa/disable', { preHandler: guard }, async (request) =>
    actions.disable(request.auth!, request.body),
  );
  scope.post('/api/v1/auth/mfa/recovery-codes', { preHandler: guard }, async (request) =>
    actions.regenerateRecoveryCodes(request.auth!, request.body),
  );
  scope.post('/api/v1/auth/mfa/challenge', async (request) => actions.challenge(request.body));
}
