import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { mapError } from '../http/error-mapping.js';
import { notFoundError } from '../http/problems.js';
import { requestPath } from '../http/request-path.js';
import { sendProblem } from './send-problem.js';

/** Options of `problemErrorHandler`. */
export interface ProblemErrorHandlerOptions {
  /**
   * Called with every error that becomes a 5xx (the client only sees the generic problem).
   * Default: `console.error` with the method and path.
   */
  log?: (error: unknown, req: Request) => void;
}

function logToConsole(error: unknown, req: Request): void {
  console.error(
    `[rampart] ${req.method} ${requestPath(req.originalUrl ?? req.url)} failed:`,
    error,
  );
}

const errorHandlerSchema = z.strictObject({
  log: z
    .custom<NonNullable<ProblemErrorHandlerOptions['log']>>(
      (value) => typeof value === 'function',
      'must be a function (error, req) => void.',
    )
    .default(() => logToConsole),
});

/**
 * Express error middleware that answers every error as `application/problem+json`: a
 * `RampartError` as is; body-parser errors (`entity.too.large` → 413, `entity.parse.failed` →
 * 400); other 4xx `status` errors with their status and a generic detail; anything else as the
 * generic 500 `ERR_INTERNAL`, logged through `log` and never described to the client. Register it
 * last.
 *
 * @example
 * app.use(notFoundHandler());
 * app.use(problemErrorHandler({ log: (error) => logger.error(error) }));
 */
export function problemErrorHandler(options: ProblemErrorHandlerOptions = {}): ErrorRequestHandler {
  const { log } = parseOptions('problemErrorHandler', errorHandlerSchema, options);
  // Express tells error middleware apart by its four parameters; `next` must stay.
  return function problemErrorHandlerMiddleware(
    err: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    if (res.headersSent) {
      // Too late for a problem document; Express's final handler closes the connection.
      next(err);
      return;
    }
    const { error, unexpected } = mapError(err);
    if (unexpected) log(err, req);
    sendProblem(res, error);
  };
}

/**
 * The last middleware of an app: any request no route answered gets a 404 `ERR_NOT_FOUND`
 * problem instead of Express's HTML page.
 */
export function notFoundHandler(): RequestHandler {
  return function notFoundMiddleware(_req: Request, res: Response): void {
    sendProblem(res, notFoundError());
  };
}
