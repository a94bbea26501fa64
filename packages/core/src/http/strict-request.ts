import { METHODS } from 'node:http';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import type { RampartError } from '../errors/rampart-error.js';
import { checkHostHeader } from './host-header.js';
import { checkPathEncoding } from './path-encoding.js';
import { unsupportedMethodError } from './problems.js';
import { checkRequestTarget } from './request-target.js';
import { findRepeatedSingleton } from './singleton-headers.js';

/** Options of the strict request check (`strictRequest()` on Express, `rampartCore` on Fastify). */
export interface StrictRequestOptions {
  /**
   * The methods the server answers; any other is a 400 `ERR_METHOD_NOT_SUPPORTED` before
   * routing. Each must be one Node's parser knows (`http.METHODS`). Default
   * `DEFAULT_REQUEST_METHODS`.
   */
  methods?: readonly string[];
}

/**
 * The methods of RFC 9110 and PATCH that both frameworks route alike. Not `TRACE` (it echoes the
 * request, credentials included), `CONNECT` (for proxies) or `QUERY`: Fastify routes `QUERY` and
 * refuses it without a `Content-Type`, Express routes it like any method, so add it to `methods`
 * only with a `QUERY` route.
 */
export const DEFAULT_REQUEST_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** The request's method, target as received, Node's `rawHeaders` and `httpVersion` (`'1.1'`). */
export type StrictRequestCheck = (
  method: string,
  url: string,
  rawHeaders: readonly string[],
  httpVersion: string,
) => RampartError | undefined;

/** The options of the strict check, shared with the Express middleware's schema. */
export const strictRequestOptionsShape = {
  methods: z
    .array(
      z.string().refine((method) => METHODS.includes(method), {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not a method Node's HTTP parser accepts (upper case, one of http.METHODS).`,
      }),
    )
    .min(1, { error: 'must be a non-empty array of methods.' })
    .default([...DEFAULT_REQUEST_METHODS]),
};
const strictRequestOptionsSchema = z.strictObject(strictRequestOptionsShape);

/**
 * Builds the check the Express middleware and the Fastify plugin run on every request, before
 * routing, so both frameworks refuse the requests they would otherwise read two ways. In order
 * (the first refusal wins, the same on both):
 *
 * 1. an absolute-form target Fastify's router would not route, and the path's
 *    percent-encoding (400 `ERR_INVALID_PATH`, see `checkRequestTarget` and
 *    `checkPathEncoding`): first, because Fastify's router refuses both before any hook;
 * 2. an HTTP/1.1 request without `Host` (400 `ERR_MALFORMED_REQUEST`, see `checkHostHeader`):
 *    Node refuses it itself, with an empty 400, unless the server is created with
 *    `requireHostHeader: false`, which lets this check answer it as a problem;
 * 3. the method (400 `ERR_METHOD_NOT_SUPPORTED` outside `methods`);
 * 4. a repeated singleton header (400 `ERR_HEADER_REPEATED`, see `SINGLETON_HEADERS`).
 *
 * `name` prefixes the option names in configuration errors.
 *
 * @example
 * const check = createStrictRequestCheck({ methods: [...DEFAULT_REQUEST_METHODS, 'QUERY'] });
 * const refusal = check(req.method, req.url, req.rawHeaders, req.httpVersion);
 */
export function createStrictRequestCheck(
  options: StrictRequestOptions = {},
  name = 'strictRequest',
): StrictRequestCheck {
  const { methods } = parseOptions(name, strictRequestOptionsSchema, options);
  const allowed: ReadonlySet<string> = new Set(methods);
  const allowedList = Object.freeze([...allowed]);

  return function strictRequestCheck(method, url, rawHeaders, httpVersion) {
    return (
      checkRequestTarget(url) ??
      checkPathEncoding(url) ??
      checkHostHeader(httpVersion, rawHeaders) ??
      (allowed.has(method) ? undefined : unsupportedMethodError(allowedList)) ??
      findRepeatedSingleton(rawHeaders)
    );
  };
}
