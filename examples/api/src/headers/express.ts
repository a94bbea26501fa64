import { cors, securityHeaders } from '@rampart/headers/express';
import type { RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import { corsOptions } from './security-layers.js';

/**
 * The first middleware of the Express app: the api preset's security headers, then CORS. Every
 * later answer (routes, 404s, problems from the error handler) keeps the headers; a preflight
 * is answered here, 204, and reaches no route.
 */
export function expressSecurityLayers(ctx: AppContext): RequestHandler[] {
  // The origins of the runtime settings (CORS_ORIGINS at start, then PATCHed), read per request.
  const origins = ctx.services.settings.getter((settings) => settings.security.corsOrigins);
  return [securityHeaders(), cors(corsOptions(origins))];
}
