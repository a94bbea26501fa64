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
  return [securityHeaders(), cors(corsOptions(ctx.config.corsOrigins))];
}
