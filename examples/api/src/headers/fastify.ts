import { fastifyCors, fastifySecurityHeaders } from '@rampart/headers/fastify';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { corsOptions } from './security-layers.js';

/**
 * Registers the security headers and CORS on the Fastify app, before rampartCore: their
 * onRequest hooks run first, so core's strict-request refusals, 404s, problems from the error
 * handler and preflights (answered 204 here) all carry the headers.
 */
export function registerSecurityLayers(app: FastifyInstance, ctx: AppContext): void {
  app.register(fastifySecurityHeaders);
  // The origins of the runtime settings (CORS_ORIGINS at start, then PATCHed), read per request.
  const origins = ctx.services.settings.getter((settings) => settings.security.corsOrigins);
  app.register(fastifyCors, corsOptions(origins));
}
