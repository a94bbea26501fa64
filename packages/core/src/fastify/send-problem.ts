import type { FastifyReply } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../errors/rampart-error.js';
import { mapError } from '../http/error-mapping.js';
import { requestPath } from '../http/request-path.js';

/**
 * Sends `error` through `reply` as an RFC 9457 `application/problem+json` response with the
 * error's headers (`Retry-After`, `WWW-Authenticate` …). A value that is not a `RampartError` is
 * mapped as the error handler maps it: an unknown error becomes the generic 500 `ERR_INTERNAL`,
 * its message never sent. `instance` defaults to the request path without the query.
 *
 * @example
 * return sendProblem(reply, new RampartError({ status: 403, code: 'ERR_ACCESS_DENIED', … }));
 */
export function sendProblem(reply: FastifyReply, error: unknown, instance?: string): FastifyReply {
  const problemError = mapError(error).error;
  const problem = problemError.toProblem(instance ?? requestPath(reply.request.url));
  // A Buffer is sent as is: a string would get `; charset=utf-8` appended by Fastify, and both
  // adapters send the same media type.
  return reply
    .code(problemError.status)
    .headers(problemError.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify(problem)));
}
