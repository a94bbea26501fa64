import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { PROBLEM_CONTENT_TYPE } from '../errors/rampart-error.js';
import { answerHeadersSchema } from './answer-headers.js';
import { checkHostHeader } from './host-header.js';
import { expectationFailedError } from './problems.js';
import { requestPath } from './request-path.js';

/** Options of `problemExpectations`. */
export interface ProblemExpectationsOptions {
  /**
   * Headers added to every answer, e.g. the app's security headers (middleware and hooks never
   * run for these requests). Names are RFC 9110 tokens, values printable text; `Content-Type`,
   * `Content-Length` and `Connection` are set by the listener.
   */
  headers?: Readonly<Record<string, string>>;
}

/** A `checkExpectation` listener: `server.on('checkExpectation', …)`. */
export type CheckExpectationListener = (req: IncomingMessage, res: ServerResponse) => void;

const optionsSchema = z.strictObject({ headers: answerHeadersSchema });

/**
 * Returns the `checkExpectation` listener that answers an HTTP/1.1 request whose `Expect` is not
 * `100-continue` with a 417 `ERR_EXPECTATION_FAILED` problem, where Node would send an empty 417.
 * Node emits the event only while a listener is installed, before the app's `request` listener,
 * so no framework sees the request. `Expect: 100-continue` is not affected: Node still writes
 * `100 Continue` and hands the request to the app.
 *
 * A request without `Host` gets 400 `ERR_MALFORMED_REQUEST` first, as Node checks Host before
 * Expect (this only happens on a server created with `requireHostHeader: false`). The connection
 * is kept open, as Node keeps it: Node discards the unread body before reading the next request.
 *
 * @example
 * const server = http.createServer(app); // Express
 * server.on('checkExpectation', problemExpectations({ headers: securityHeaders }));
 *
 * const fastify = Fastify();
 * fastify.server.on('checkExpectation', problemExpectations({ headers: securityHeaders }));
 */
export function problemExpectations(
  options: ProblemExpectationsOptions = {},
): CheckExpectationListener {
  const { headers } = parseOptions('problemExpectations', optionsSchema, options);
  const extraHeaders = Object.freeze({ ...headers });

  return function answerExpectation(req: IncomingMessage, res: ServerResponse): void {
    const refusal = checkHostHeader(req.httpVersion, req.rawHeaders) ?? expectationFailedError();
    const body = JSON.stringify(refusal.toProblem(requestPath(req.url)));
    res.writeHead(refusal.status, {
      ...extraHeaders,
      'Content-Type': PROBLEM_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };
}
