import type { AuthContext } from '@rampart/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { AppAudit } from './app-audit.js';
import type { AuditHandlers } from './audit-handlers.js';
import { requestFacts } from './request-facts.js';

/**
 * Every event a request emits carries its IP, user agent and request id. A `preHandler` hook:
 * the body is parsed by then (its stream events would run outside the request's context), and the
 * route's own guards, limits and handler run inside it.
 */
export function addAuditRequestFacts(app: FastifyInstance, audit: AppAudit): void {
  app.addHook('preHandler', function auditFacts(request, _reply, done) {
    const facts = requestFacts(
      request.clientIp,
      request.headers['user-agent'],
      request.headers['x-request-id'],
    );
    audit.withRequest(facts, done);
  });
}

/** The Admin audit routes and the Privacy routes of EXAMPLE-API.md on Fastify (see the Express twin). */
export function registerAuditFastifyRoutes(
  app: FastifyInstance,
  handlers: AuditHandlers,
  guard: preHandlerHookHandler,
): void {
  const caller = (request: FastifyRequest): AuthContext => request.auth as AuthContext;
  const query = (request: FastifyRequest) => request.query as Record<string, unknown>;
  const params = (request: FastifyRequest) => (request.params as { id?: unknown }).id;
  // Account control: never an API key. The export: any caller, a key only with profile:read.
  const options = { preHandler: guard, config: { access: 'authenticated' as const } };
  const profileRead = {
    preHandler: guard,
    config: { access: { scopes: ['profile:read' as const] } },
  };
  const auditRead = {
    preHandler: guard,
    config: { access: { permissions: ['audit:read' as const] } },
  };
  const usersWrite = {
    preHandler: guard,
    config: { access: { permissions: ['users:write' as const] } },
  };

  app.get('/api/v1/admin/audit', auditRead, (request) =>
    handlers.query(caller(request), query(request)),
  );
  app.get('/api/v1/admin/audit/verify', auditRead, (request) => handlers.verify(caller(request)));
  app.get('/api/v1/admin/security/metrics', auditRead, (request) =>
    handlers.metrics(caller(request)),
  );
  app.get('/api/v1/admin/security/anomalies', auditRead, (request) =>
    handlers.anomalies(caller(request), query(request)),
  );
  app.post('/api/v1/admin/users/:id/lock', usersWrite, (request) =>
    handlers.lock(caller(request), params(request)),
  );
  app.post('/api/v1/admin/users/:id/unlock', usersWrite, (request) =>
    handlers.unlock(caller(request), params(request)),
  );

  app.get('/api/v1/privacy/my-data', profileRead, (request) => handlers.myData(caller(request)));
  app.post('/api/v1/privacy/consent', options, (request) =>
    handlers.consent(caller(request), request.body),
  );
  app.delete(
    '/api/v1/privacy/my-account',
    options,
    async (request: FastifyRequest, reply: FastifyReply) => {
      await handlers.deleteMyAccount(caller(request), request.body);
      return reply.code(204).send();
    },
  );
}
