import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from '../http/error-mapping.js';
import { sendProblem } from './send-problem.js';

/**
 * Fastify answers a few requests before any route, hook or error handler runs (a path that is
 * not valid percent-encoding → `FST_ERR_BAD_URL`, an over-long parameter →
 * `FST_ERR_MAX_PARAM_LENGTH`) with its own JSON that quotes the path. A plugin cannot change
 * that; this handler, passed as the server's `frameworkErrors` option, makes those answers
 * problems too (400 and 414, generic detail; anything else the generic 500, logged).
 *
 * @example
 * const app = Fastify({ frameworkErrors: problemFrameworkErrors });
 * await app.register(rampartCore);
 */
export function problemFrameworkErrors(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const mapped = mapError(error);
  if (mapped.unexpected) request.log.error({ err: error }, 'request failed before routing');
  sendProblem(reply, mapped.error);
}
