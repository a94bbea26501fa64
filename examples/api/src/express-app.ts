import {
  jsonBody,
  notFoundHandler,
  problemErrorHandler,
  rampartCore,
  strictRequest,
} from '@rampart/core/express';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { appExpressGuards, expressIpFilter, expressSyncSettings } from './access/express.js';
import { auditRequestFacts } from './audit/express-routes.js';
import { type AppContext, BODY_LIMIT_BYTES } from './context.js';
import { createEarlyRefusalLimits } from './early-refusal-limits.js';
import { registerExpressRoutes } from './express-routes.js';
import { expressSecurityLayers } from './headers/express.js';
import { checkHealth } from './health.js';

/**
 * The example app on Express. Same contract as `buildFastifyApp`: problem+json errors, 1 MiB
 * bodies, JSON only, the security headers on every response.
 */
export function buildExpressApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // Match Fastify's router: `/Health` and `/health/` are other routes, not aliases; guards and
  // limits added later key on the route, so two spellings of one path must not exist.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('etag', false);
  // No response has a validator (ETag, Last-Modified), so none is ever fresh; but Express's
  // `req.fresh` counts `If-None-Match: *` (and a future `If-Modified-Since`) as a match and turns
  // the answer into an empty 304. Fastify answers such requests in full, and so does this.
  Object.defineProperty(app.request, 'fresh', { configurable: true, get: () => false });

  // First: @rampart/headers' api preset and CORS (CORS_ORIGINS); every later answer, problems
  // and 404s included, carries the headers, and a preflight is answered there.
  // Before everything, CORS included: the runtime settings' version check, so every step of the
  // request reads the newest settings any instance wrote.
  app.use(expressSyncSettings(ctx.services.settings));
  app.use(expressSecurityLayers(ctx));
  // Before any route, as rampartCore's hook on Fastify: a needless or malformed escape in the
  // path, an unsupported method (QUERY, TRACE) or a repeated Content-Type, Authorization … is the
  // same 400 on both, and no route is reached by a spelling only one router would decode.
  app.use(strictRequest());
  // The client IP, once per request for every adapter, from TRUSTED_PROXIES as on Fastify.
  app.use(rampartCore({ trustedProxies: [...ctx.config.trustedProxies] }));
  // The settings' IP lists, on the client IP just resolved; /health is exempt.
  app.use(expressIpFilter(ctx.services.ipFilter));
  // Every event a request emits carries its IP, user agent and request id into the audit trail.
  app.use(auditRequestFacts(ctx.services.audit));
  // Before the routes, so every request with a body gets the same 400/413/415 as on Fastify.
  // Its refusals (400/413/415) go on to the next error middleware, then problemErrorHandler.
  app.use(jsonBody({ limit: BODY_LIMIT_BYTES, rawBody: true, forwardErrors: true }));
  // A body it refused never reached a route's limits: the per-IP ones are peeked for the headers.
  const earlyLimits = createEarlyRefusalLimits(ctx);
  app.use(function bodyRefusal(error: unknown, req: Request, res: Response, next: NextFunction) {
    const status = (error as { status?: unknown } | null)?.status;
    const request = {
      method: req.method,
      // No route is matched yet: the path, as the routes spell it, stands for it.
      route: req.path,
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers['x-forwarded-for'],
    };
    // On to problemErrorHandler, as every other error (an earlier middleware's too).
    const answer = () => next(error);
    if (typeof status !== 'number') answer();
    else
      earlyLimits(status, request, res, setResponseHeader, getResponseHeader).then(answer, answer);
  });

  const access = appExpressGuards(ctx.services.access);
  app.get('/health', access.publicRoute(), async function health(_req: Request, res: Response) {
    res.json(await checkHealth(ctx.stores));
  });
  registerExpressRoutes(app, ctx);
  // After the last route: OPTIONS goes through each guarded route's own chain and guard, and a
  // route that declares no permission (nor public, nor any caller) stops the start (deny by default).
  access.guardRoutes(app, { requireDeclared: true });

  app.use(notFoundHandler());
  // Its default log prints the cause of a 5xx to stderr with the method and path.
  app.use(problemErrorHandler());
  return app;
}

function setResponseHeader(res: Response, name: string, value: string): void {
  res.setHeader(name, value);
}

function getResponseHeader(res: Response, name: string): unknown {
  return res.getHeader(name);
}
