import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { parseOptions } from '../config.js';
import { PROBLEM_CONTENT_TYPE, type RampartError } from '../errors/rampart-error.js';
import { answerHeadersSchema } from './answer-headers.js';
import {
  headersTooLargeError,
  malformedRequestError,
  payloadTooLargeError,
  requestTimeoutError,
} from './problems.js';

/** Options of `problemClientErrors`. */
export interface ProblemClientErrorsOptions {
  /**
   * Headers added to every answer, e.g. the app's security headers (middleware and hooks never
   * run for these requests). Names are RFC 9110 tokens, values printable text; `Content-Type`,
   * `Content-Length` and `Connection` are set by the handler.
   */
  headers?: Readonly<Record<string, string>>;
}

/** A `clientError` listener: `server.on('clientError', …)`, or Fastify's `clientErrorHandler`. */
export type ClientErrorListener = (error: Error, socket: Duplex) => void;

/**
 * After the answer, the client may still be sending the rest of its request (most of a 100 KB
 * header). The socket keeps reading (and dropping) it this long before it is cut: closing with
 * unread data makes the kernel send a reset, which can reach the client before the answer does.
 */
const CLOSE_GRACE_MS = 5000;

/** Node's error codes for what the parser refused, and the problem each one gets. */
const PROBLEMS_BY_CODE: ReadonlyArray<readonly [string, () => RampartError]> = [
  ['HPE_HEADER_OVERFLOW', headersTooLargeError],
  ['HPE_CHUNK_EXTENSIONS_OVERFLOW', payloadTooLargeError],
  ['ERR_HTTP_REQUEST_TIMEOUT', requestTimeoutError],
];

/**
 * Returns the `clientError` listener that answers what Node's HTTP parser refuses before any app
 * code runs as a complete `application/problem+json` response: 431 `ERR_HEADERS_TOO_LARGE` for
 * headers over `maxHeaderSize`, 408 `ERR_REQUEST_TIMEOUT`, 413 for oversized chunk extensions,
 * and 400 `ERR_MALFORMED_REQUEST` for everything else (a malformed request line or header, a
 * repeated `Content-Length`, `Content-Length` beside `Transfer-Encoding` …). No `instance`: no
 * path was read.
 *
 * Node's own answer (and Fastify's) is written and the socket destroyed at once; with the rest of
 * the request still unread, the kernel answers it with a reset that can arrive before the status,
 * and `fetch` reports a network error. This one sends `Content-Length` and `Connection: close`,
 * half-closes the socket and keeps reading until the client closes (or 5 s pass), so an ordinary
 * client reads the status. A socket already reset, or with a response of the app already on the
 * wire, is destroyed without a word, as Node does.
 *
 * @example
 * const server = http.createServer(app); // Express
 * server.on('clientError', problemClientErrors({ headers: securityHeaders }));
 *
 * const fastify = Fastify({ clientErrorHandler: problemClientErrors({ headers: securityHeaders }) });
 */
export function problemClientErrors(options: ProblemClientErrorsOptions = {}): ClientErrorListener {
  const { headers } = parseOptions('problemClientErrors', optionsSchema, options);
  const extraHeaders = headerLines(headers);
  // Built once: nothing in the answer depends on the request.
  const answers = new Map(
    PROBLEMS_BY_CODE.map(([code, problem]) => [code, renderResponse(problem(), extraHeaders)]),
  );
  const malformed = renderResponse(malformedRequestError(), extraHeaders);

  return function answerClientError(error: Error, socket: Duplex): void {
    if (socket.destroyed) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // Answered already: Node reports the same parse error again for each chunk that follows.
    if (socket.writableEnded) return;
    if (!socket.writable || responseOnTheWire(socket)) {
      socket.destroy();
      return;
    }
    socket.end(answers.get(code ?? '') ?? malformed);
    const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    cut.unref();
    socket.once('close', () => clearTimeout(cut));
  };
}

/**
 * True when the app already started a response on this connection (a pipelined request's): bytes
 * written now would be read as part of it. `_httpMessage` is where Node keeps the response in
 * flight on a server socket; Node's own `clientError` default makes the same check.
 */
function responseOnTheWire(socket: Duplex): boolean {
  const inFlight = (socket as { _httpMessage?: { headersSent?: unknown } | null })._httpMessage;
  return inFlight?.headersSent === true;
}

const optionsSchema = z.strictObject({ headers: answerHeadersSchema });

function headerLines(headers: Readonly<Record<string, string>>): string {
  let lines = '';
  for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`;
  return lines;
}

function renderResponse(error: RampartError, extraHeaders: string): Buffer {
  const body = Buffer.from(JSON.stringify(error.toProblem()));
  const head =
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n' +
    extraHeaders +
    '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
