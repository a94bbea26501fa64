import type { Response } from 'express';
import { PROBLEM_CONTENT_TYPE } from '../errors/rampart-error.js';
import { mapError } from '../http/error-mapping.js';
import { requestPath } from '../http/request-path.js';

/**
 * Sends `error` as an RFC 9457 `application/problem+json` response with the error's headers
 * (`Retry-After`, `WWW-Authenticate` …). A value that is not a `RampartError` is mapped as the
 * error handler maps it, so an unknown error becomes the generic 500 `ERR_INTERNAL` and its
 * message never leaves the server. `instance` defaults to the request path without the query.
 * When the headers are already out, the connection is destroyed so the client sees a failure
 * rather than a truncated success.
 *
 * @example
 * sendProblem(res, new RampartError({ status: 429, code: 'ERR_RATE_LIMIT_EXCEEDED', … }));
 */
export function sendProblem(res: Response, error: unknown, instance?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problemError = mapError(error).error;
  const req = res.req as Response['req'] | undefined;
  const body = JSON.stringify(
    problemError.toProblem(instance ?? requestPath(req?.originalUrl ?? req?.url)),
  );
  res.statusCode = problemError.status;
  for (const [name, value] of Object.entries(problemError.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
