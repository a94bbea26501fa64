import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { booleanOption, forwardErrorsSchema, parseOptions } from '../config.js';
import { assertJsonBodyHeaders } from '../http/content-type.js';
import { bodyLimitSchema, parseJsonBody } from '../http/json-body.js';
import { payloadTooLargeError } from '../http/problems.js';
import { declaredContentLength, hasBody, readBody } from '../http/read-body.js';
import { sendProblem } from './send-problem.js';

/** Options of `jsonBody`. */
export interface JsonBodyOptions {
  /** Largest body accepted, in bytes. Default 1 MiB (1 048 576). */
  limit?: number;
  /** Keep the exact bytes on `req.rawBody` (needed to verify signed requests). Default `true`. */
  rawBody?: boolean;
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const jsonBodySchema = z.strictObject({
  limit: bodyLimitSchema,
  rawBody: booleanOption(true),
  forwardErrors: forwardErrorsSchema,
});

/**
 * JSON body middleware that reads the stream itself (no body-parser): the exact bytes go to
 * `req.rawBody`, the parsed value to `req.body`. A request without a body (no `Content-Length`
 * or `Transfer-Encoding`, or a length of 0) passes with `req.body` undefined, and so does a GET
 * or HEAD whatever it carries (its body is not read, as on Fastify). Refusals, as
 * problems: 415 for a body that is not UTF-8 JSON or is compressed, 413 over `limit` (by the
 * declared length before reading, and by counting while reading), 400 `ERR_MALFORMED_JSON` for
 * bad JSON or a `__proto__` / `constructor.prototype` key.
 *
 * @example
 * app.use(jsonBody({ limit: 64 * 1024 }));
 */
export function jsonBody(options: JsonBodyOptions = {}): RequestHandler {
  const {
    limit,
    rawBody: keepRawBody,
    forwardErrors,
  } = parseOptions('jsonBody', jsonBodySchema, options);

  return function jsonBodyMiddleware(req: Request, res: Response, next: NextFunction): void {
    function refuse(error: unknown): void {
      // The rest of an unread body is not worth reading: close once the problem is sent.
      if (!req.complete) res.setHeader('Connection', 'close');
      if (forwardErrors) next(error);
      else sendProblem(res, error);
    }

    // Another parser already ran, or this one did on a mounted router. A GET or HEAD body is
    // never read, as Fastify never reads one: the same request gets the same answer on both.
    if (req.body !== undefined || req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    try {
      if (!hasBody(req.headers)) {
        next();
        return;
      }
      assertJsonBodyHeaders(req.headers);
      const declared = declaredContentLength(req.headers);
      if (declared !== undefined && declared > limit) throw payloadTooLargeError();
    } catch (error) {
      refuse(error);
      return;
    }

    readBody(req, limit).then(function onBody(bytes: Buffer): void {
      // A chunked body may still turn out empty: that is no body.
      if (bytes.length === 0) {
        next();
        return;
      }
      let value: unknown;
      try {
        value = parseJsonBody(bytes);
      } catch (error) {
        refuse(error);
        return;
      }
      if (keepRawBody) req.rawBody = bytes;
      req.body = value;
      next();
    }, refuse);
  };
}
