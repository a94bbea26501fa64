import type { Idempotency } from '@rampart/idempotency';
import { fastifyIdempotency } from '@rampart/idempotency/fastify';
import type { FastifyInstance } from 'fastify';

/**
 * Registers the plugin; call it before the routes are declared (its `onRoute` hook attaches the
 * check). A route opts in with {@link IDEMPOTENT_ROUTE}'s config, and the check runs after the
 * route's own preHandlers (caller, signature).
 */
export function registerIdempotency(app: FastifyInstance, idempotency: Idempotency): void {
  app.register(fastifyIdempotency, { idempotency });
}

/** The route config of an idempotent route: the header is optional (EXAMPLE-API.md). */
export const IDEMPOTENT_ROUTE = Object.freeze({ idempotency: true as const });
