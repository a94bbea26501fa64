import type { AuthPreHandler } from '@rampart/core/fastify';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { REPORT_COMPROMISED_POLICIES, REPORT_COMPROMISED_SCOPE } from './report-limit.js';

/**
 * The "API keys" routes of EXAMPLE-API.md on Fastify, as `registerApiKeyExpressRoutes`. Register
 * in the scope where `fastifyRateLimit` sees the routes (the report's per-IP limit is route
 * config); `createConfig` is the create route's config (the Idempotency-Key opt-in).
 */
export function registerApiKeyFastifyRoutes(
  scope: FastifyInstance,
  ctx: AppContext,
  guard: AuthPreHandler,
  createConfig: Readonly<Record<string, unknown>> = {},
): void {
  const { actions } = ctx.services.apiKeyServices;
  const { userOf } = ctx.services.auth;
  scope.post(
    '/api/v1/api-keys',
    { preHandler: guard, config: { ...createConfig, access: 'authenticated' } },
    async (request, reply) =>
      reply
        .code(201)
        .send(await actions.create(request.auth!, await userOf(request.auth!), request.body)),
  );
  scope.get(
    '/api/v1/api-keys',
    { preHandler: guard, config: { access: 'authenticated' } },
    (request) => actions.list(request.auth!),
  );
  scope.post(
    '/api/v1/api-keys/report-compromised',
    {
      config: {
        rateLimit: {
          hook: 'preHandler',
          scope: REPORT_COMPROMISED_SCOPE,
          key: 'ip',
          policies: REPORT_COMPROMISED_POLICIES,
        },
        access: 'public',
      },
    },
    async (request, reply) => {
      await actions.reportCompromised(request.body);
      return reply.code(202).send({ status: 'received' });
    },
  );
  scope.post<{ Params: { id: string } }>(
    '/api/v1/api-keys/:id/rotate',
    { preHandler: guard, config: { access: 'authenticated' } },
    (request) => actions.rotate(request.auth!, request.params.id, request.body),
  );
  scope.delete<{ Params: { id: string } }>(
    '/api/v1/api-keys/:id',
    { preHandler: guard, config: { access: 'authenticated' } },
    async (request, reply) => {
      await actions.revoke(request.auth!, request.params.id);
      return reply.code(204).send();
    },
  );
}
