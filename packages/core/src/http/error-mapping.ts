import { BUSY_CODE, internalError } from '../errors/common-errors.js';
import { isRampartError, type RampartError } from '../errors/rampart-error.js';
import {
  clientError,
  invalidPathError,
  malformedJsonError,
  payloadTooLargeError,
  unsupportedMediaTypeError,
  validationError,
} from './problems.js';

/** What an adapter sends for a thrown value, and whether the server should log it. */
export interface MappedError {
  /** The problem to send. */
  error: RampartError;
  /**
   * True for a 5xx: a fault of the server that belongs in its log, never in the response. Not for
   * 503 `ERR_BUSY` (`BusyError`): that is load shedding as designed, and a logged stack per refusal
   * would be written at the rate a flood chooses, on the event loop, when it is busiest.
   */
  unexpected: boolean;
}

/** The members of framework and `http-errors` errors that are read; all are checked, none trusted. */
interface ForeignError {
  code?: unknown;
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  message?: unknown;
}

/**
 * Maps anything thrown while handling a request to the problem to send, so Express and Fastify
 * answer alike: a `RampartError` as is; Fastify's undecodable path (`FST_ERR_BAD_URL`) to 400
 * `ERR_INVALID_PATH`; Fastify's body errors and body-parser's (`type`
 * `entity.too.large`, `entity.parse.failed`) to the problems `jsonBody` would raise; schema
 * validation to 400 `ERR_VALIDATION`; any other 4xx `status`/`statusCode` to a generic problem of
 * that status (its message may quote internals, so it is dropped); everything else to the
 * generic 500 `ERR_INTERNAL`.
 */
export function mapError(thrown: unknown): MappedError {
  if (isRampartError(thrown)) {
    return { error: thrown, unexpected: thrown.status >= 500 && thrown.code !== BUSY_CODE };
  }
  if (thrown === null || typeof thrown !== 'object') {
    return { error: internalError(thrown), unexpected: true };
  }
  const error = thrown as ForeignError;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: payloadTooLargeError(), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: unsupportedMediaTypeError(), unexpected: false };
    // Fastify's router could not decode the path: the answer core's strict request check gives.
    case 'FST_ERR_BAD_URL':
      return { error: invalidPathError(), unexpected: false };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { error: malformedJsonError(), unexpected: false };
  }
  if (Array.isArray(error.validation)) {
    // Schema messages ("body/email must match format \"email\"") describe the client's input
    // against the published schema, which is what the client needs to fix it.
    const detail =
      typeof error.message === 'string' && error.message.length <= 500 ? error.message : undefined;
    return { error: validationError(detail), unexpected: false };
  }
  switch (error.type) {
    case 'entity.too.large':
      return { error: payloadTooLargeError(), unexpected: false };
    case 'entity.parse.failed':
      return { error: malformedJsonError(), unexpected: false };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { error: unsupportedMediaTypeError(), unexpected: false };
  }
  const status = Number.isInteger(error.statusCode) ? error.statusCode : error.status;
  if (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 499) {
    return { error: clientError(status as number), unexpected: false };
  }
  return { error: internalError(thrown), unexpected: true };
}
