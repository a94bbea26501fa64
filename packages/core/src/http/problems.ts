import { STATUS_CODES } from 'node:http';
import { RampartError } from '../errors/rampart-error.js';

/**
 * The refusals of the HTTP layer, shared by the Express and Fastify adapters so both answer
 * the same request with the same problem.
 */

/**
 * 413: the body is larger than the route accepts. The limit is not quoted: the Fastify adapter
 * cannot always tell a route's own limit from the default, and both adapters answer alike.
 */
export function payloadTooLargeError(): RampartError {
  return new RampartError({
    status: 413,
    code: 'ERR_PAYLOAD_TOO_LARGE',
    title: 'Payload too large',
    detail: 'The request body is larger than this endpoint accepts. Send a smaller body.',
  });
}

/** 415: a body that is not JSON, or JSON in a charset other than UTF-8. */
export function unsupportedMediaTypeError(): RampartError {
  return new RampartError({
    status: 415,
    code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
    title: 'Unsupported media type',
    detail:
      'The request body must be JSON: send it with Content-Type: application/json ' +
      '(or an application/*+json type), encoded as UTF-8.',
  });
}

/**
 * 415: a compressed body (a `Content-Encoding`, or a transfer coding beside `chunked`); bodies
 * are read as sent, never inflated (no zip bombs).
 */
export function unsupportedContentEncodingError(): RampartError {
  return new RampartError({
    status: 415,
    code: 'ERR_UNSUPPORTED_CONTENT_ENCODING',
    title: 'Unsupported media type',
    detail:
      'Compressed request bodies are not accepted. Send the body without Content-Encoding, ' +
      'and with no Transfer-Encoding but chunked.',
  });
}

/** 400: the body is not well-formed UTF-8 JSON, or carries a prototype-poisoning key. */
export function malformedJsonError(
  detail = 'The request body is not valid JSON. Send a well-formed UTF-8 JSON document.',
): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_MALFORMED_JSON',
    title: 'Bad request',
    detail,
  });
}

/** 400: a `Content-Length` that is not a plain decimal number. */
export function invalidContentLengthError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_INVALID_CONTENT_LENGTH',
    title: 'Bad request',
    detail: 'Content-Length must be a decimal number of bytes matching the body sent.',
  });
}

/** 400: the client stopped sending before the body was complete. */
export function incompleteBodyError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_BODY_INCOMPLETE',
    title: 'Bad request',
    detail: 'The request body ended before it was complete. Send the whole body.',
  });
}

/** 400: a header that must appear once was sent several times. */
export function repeatedHeaderError(name: string): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_HEADER_REPEATED',
    title: 'Bad request',
    detail: `The ${name} header was sent more than once. Send it once.`,
  });
}

/**
 * 400: the path is not valid percent-encoding (`/%zz`, a `%` without two hex digits) or its
 * escapes do not spell UTF-8 (`/%ff`), or the target is an absolute URL Fastify's router would
 * not route (`http://host:99999/x`, `ftp://host/x`). The same answer on both frameworks, whether
 * or not a route would have matched.
 */
export function invalidPathError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_INVALID_PATH',
    title: 'Bad request',
    detail:
      'The request path is not valid percent-encoding (every % must start an escape of two hex ' +
      'digits, and the escapes must spell UTF-8), or the request target is an absolute URL that ' +
      'is not a valid http or https URL with a host. Send a path encoded as RFC 3986 describes.',
  });
}

/**
 * 400: the path percent-encodes a character that is sent as itself (`/api/%6cogin` for
 * `/api/login`). Routers disagree on whether such a path names the route, so it names none.
 */
export function escapedPathCharacterError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_INVALID_PATH',
    title: 'Bad request',
    detail:
      "The request path percent-encodes a letter, a digit or one of - . _ ~ ! ' ( ) *. " +
      'Send those characters unescaped.',
  });
}

/** 400: a method outside the server's list (`QUERY`, `TRACE`, WebDAV methods …). */
export function unsupportedMethodError(allowed: readonly string[]): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_METHOD_NOT_SUPPORTED',
    title: 'Bad request',
    detail: `This server does not support the request's method. Use one of ${allowed.join(', ')}.`,
  });
}

/**
 * 400: Node's HTTP parser could not read the request (a malformed request line, a header that
 * is not `name: value`, conflicting or repeated framing headers). Sent without `instance`: no
 * path was read.
 */
export function malformedRequestError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_MALFORMED_REQUEST',
    title: 'Bad request',
    detail:
      'The request is not valid HTTP/1.1: its request line, a header or its framing could not ' +
      'be parsed. Check the request line (METHOD /path HTTP/1.1) and the headers.',
  });
}

/**
 * 400: an HTTP/1.1 request without a `Host` header, which RFC 9112 (section 3.2) requires. Node
 * refuses it itself with an empty 400 unless the server has `requireHostHeader: false`; the
 * strict request check and `problemExpectations` refuse it instead, as a problem. Same code as
 * the parser's refusals: the request is not valid HTTP/1.1.
 */
export function missingHostError(): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_MALFORMED_REQUEST',
    title: 'Bad request',
    detail:
      'An HTTP/1.1 request must carry a Host header. Send Host with the name (and port) of ' +
      'the server, as every HTTP/1.1 client does.',
  });
}

/**
 * 417: an `Expect` header other than `100-continue`, the only expectation HTTP defines. Sent by
 * `problemExpectations` where Node would send an empty 417.
 */
export function expectationFailedError(): RampartError {
  return new RampartError({
    status: 417,
    code: 'ERR_EXPECTATION_FAILED',
    title: 'Expectation failed',
    detail:
      'This server meets no expectation but 100-continue. Send the request without Expect, ' +
      'or with Expect: 100-continue.',
  });
}

/** 431: the request line and headers together exceed the server's limit (16 KiB by default). */
export function headersTooLargeError(): RampartError {
  return new RampartError({
    status: 431,
    code: 'ERR_HEADERS_TOO_LARGE',
    title: 'Request header fields too large',
    detail:
      'The request headers are larger than the server accepts. Send fewer or smaller headers ' +
      '(large cookies and tokens are the usual cause).',
  });
}

/** 408: the request line, headers or body did not arrive within the server's request timeout. */
export function requestTimeoutError(): RampartError {
  return new RampartError({
    status: 408,
    code: 'ERR_REQUEST_TIMEOUT',
    title: 'Request timeout',
    detail: 'The request did not arrive in time. Send it again, whole.',
  });
}

/** 400: the framework's schema validation refused the request. */
export function validationError(detail?: string): RampartError {
  return new RampartError({
    status: 400,
    code: 'ERR_VALIDATION',
    title: 'Bad request',
    detail: detail ?? 'The request does not match the schema of this endpoint.',
  });
}

/** 404: no route matches the method and path. */
export function notFoundError(): RampartError {
  return new RampartError({
    status: 404,
    code: 'ERR_NOT_FOUND',
    title: 'Not found',
    detail:
      'No resource matches this method and path. Check the URL against the API documentation.',
  });
}

/** Codes of the 4xx statuses a framework or a third-party middleware may raise. */
const CLIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'ERR_BAD_REQUEST',
  401: 'ERR_UNAUTHORIZED',
  403: 'ERR_FORBIDDEN',
  404: 'ERR_NOT_FOUND',
  405: 'ERR_METHOD_NOT_ALLOWED',
  406: 'ERR_NOT_ACCEPTABLE',
  408: 'ERR_REQUEST_TIMEOUT',
  409: 'ERR_CONFLICT',
  410: 'ERR_GONE',
  411: 'ERR_LENGTH_REQUIRED',
  412: 'ERR_PRECONDITION_FAILED',
  413: 'ERR_PAYLOAD_TOO_LARGE',
  414: 'ERR_URI_TOO_LONG',
  415: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  416: 'ERR_RANGE_NOT_SATISFIABLE',
  417: 'ERR_EXPECTATION_FAILED',
  422: 'ERR_UNPROCESSABLE_CONTENT',
  428: 'ERR_PRECONDITION_REQUIRED',
  429: 'ERR_TOO_MANY_REQUESTS',
  431: 'ERR_HEADERS_TOO_LARGE',
};

/** `Bad Request` → `Bad request`, matching the titles of Rampart's own problems. */
function sentenceCase(phrase: string): string {
  return phrase.charAt(0) + phrase.slice(1).toLowerCase();
}

/**
 * A 4xx raised by code that is not Rampart's (a framework, a body parser, `http-errors`): the
 * status is kept, the message is not, since it may quote internals.
 */
export function clientError(status: number): RampartError {
  return new RampartError({
    status,
    code: CLIENT_ERROR_CODES[status] ?? 'ERR_CLIENT_ERROR',
    title: sentenceCase(STATUS_CODES[status] ?? 'Client error'),
    detail: 'The server refused the request as sent. Check it against the API documentation.',
  });
}
