import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { forwardErrorsSchema, parseOptions } from '../config.js';
import {
  createStrictRequestCheck,
  type StrictRequestOptions,
  strictRequestOptionsShape,
} from '../http/strict-request.js';
import { sendProblem } from './send-problem.js';

/** Options of `strictRequest`. */
export interface StrictRequestMiddlewareOptions extends StrictRequestOptions {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const optionsSchema = z.strictObject({
  ...strictRequestOptionsShape,
  forwardErrors: forwardErrorsSchema,
});

/**
 * The first middleware of an app: refuses, before any route is matched, the requests the Fastify
 * plugin `rampartCore` refuses, with the same 400 problems: a path with a malformed or needless
 * percent-escape (`/%zz`, `/api/%6cogin` → `ERR_INVALID_PATH`), a method outside `methods`
 * (`QUERY`, `TRACE` → `ERR_METHOD_NOT_SUPPORTED`), and a repeated `Host`, `Content-Length`,
 * `Content-Type`, `Authorization` or `X-Api-Key` (`ERR_HEADER_REPEATED`, read from
 * `req.rawHeaders`, since `req.headers` keeps only the first), and an HTTP/1.1 request without
 * `Host` (`ERR_MALFORMED_REQUEST`; Node answers it first, with an empty 400, unless the server is
 * created with `requireHostHeader: false`). See `createStrictRequestCheck`.
 *
 * @example
 * app.use(strictRequest());
 * app.use(jsonBody());
 */
export function strictRequest(options: StrictRequestMiddlewareOptions = {}): RequestHandler {
  const { forwardErrors, methods } = parseOptions('strictRequest', optionsSchema, options);
  const check = createStrictRequestCheck({ methods }, 'strictRequest');

  return function strictRequestMiddleware(req: Request, res: Response, next: NextFunction): void {
    // `originalUrl`: a router mounted on a path rewrites `req.url`.
    const refusal = check(req.method, req.originalUrl ?? req.url, req.rawHeaders, req.httpVersion);
    if (refusal === undefined) next();
    else if (forwardErrors) next(refusal);
    else sendProblem(res, refusal);
  };
}
