import { problemClientErrors, problemExpectations } from '@rampart/core';
import { rampartCore, sendProblem } from '@rampart/core/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerFastifyAccess, registerSettingsSync } from './access/fastify.js';
import { addAuditRequestFacts } from './audit/fastify-routes.js';
import { type AppContext, BODY_LIMIT_BYTES, REQUEST_TIMEOUT_MS } from './context.js';
import { errorOnlyLogger } from './fastify-logger.js';
import { registerFastifyRoutes } from './fastify-routes.js';
import { registerSecurityLayers } from './headers/fastify.js';
import { API_SECURITY_HEADERS } from './headers/security-layers.js';
import { checkHealth } from './health.js';

/**
 * The example app on Fastify. Same contract as `buildExpressApp`: problem+json errors, 1 MiB
 * bodies, JSON only, the security headers on every response.
 */
export function buildFastifyApp(ctx: AppContext): FastifyInstance {
  const app = Fastify({
    loggerInstance: errorOnlyLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // The client IP comes from core's resolver and TRUSTED_PROXIES, never Fastify's trustProxy.
    trustProxy: false,
    // Fastify answers a path parameter over 100 characters with a 414 before any hook; Express
    // has no such cap. The app's own checks answer instead (a 400 for a long entity id, or the
    // 401 that comes first), the same on both; a URL is bounded by Node's 16 KiB of headers.
    routerOptions: { maxParamLength: 16 * 1024 },
    // A path Fastify cannot decode (`/%zz`) fails before any route, hook or error handler: the
    // only place to make it a problem with the security headers (400 ERR_INVALID_PATH, as
    // core's strictRequest answers on Express).
    frameworkErrors: function frameworkError(error, _request, reply) {
      reply.headers(API_SECURITY_HEADERS);
      sendProblem(reply, error);
    },
    // What Node's parser refuses (a 431 for oversized headers, a malformed request line): a
    // complete problem that clients can read, the same as server.ts installs for Express.
    clientErrorHandler: problemClientErrors({ headers: API_SECURITY_HEADERS }),
    // Node's own answer to an HTTP/1.1 request without Host is an empty 400; off here,
    // rampartCore's strictRequest hook refuses it as a problem, as strictRequest() on Express.
    http: { requireHostHeader: false },
  });
  // Node's own answer to `Expect: foo` is an empty 417 (100-continue still goes to the app); the
  // same listener as server.ts installs for Express.
  app.server.on('checkExpectation', problemExpectations({ headers: API_SECURITY_HEADERS }));

  // @rampart/headers' api preset and CORS (CORS_ORIGINS) first: their onRequest hooks run before
  // rampartCore's, so its refusals, 404s, problems and preflights carry the headers.
  // Before everything, CORS included: the runtime settings' version check, so every step of the
  // request reads the newest settings any instance wrote.
  registerSettingsSync(app, ctx.services.settings);
  registerSecurityLayers(app, ctx);

  // Then its strictRequest hook (the same refusals as Express's strictRequest()), then the
  // JSON parser (keeping the raw bytes for signatures), 415 for other types, and problem+json
  // for every error and unknown route.
  app.register(rampartCore, {
    trustedProxies: [...ctx.config.trustedProxies],
    bodyLimit: BODY_LIMIT_BYTES,
  });

  // The settings' IP lists on the client IP, and the route guards (config.access).
  registerFastifyAccess(app, ctx.services.access, ctx.services.ipFilter);
  app.get('/health', { config: { access: 'public' } }, function health() {
    return checkHealth(ctx.stores);
  });
  // Every event a request emits carries its IP, user agent and request id into the audit trail.
  addAuditRequestFacts(app, ctx.services.audit);
  registerFastifyRoutes(app, ctx);

  return app;
}
