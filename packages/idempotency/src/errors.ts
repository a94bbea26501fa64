import { badRequest, RampartError } from '@rampart/core';

/** The `ERR_*` codes this package answers with. */
export const IDEMPOTENCY_ERROR_CODES = Object.freeze({
  missing: 'ERR_IDEMPOTENCY_KEY_MISSING',
  invalid: 'ERR_IDEMPOTENCY_KEY_INVALID',
  reused: 'ERR_IDEMPOTENCY_KEY_REUSED',
  inFlight: 'ERR_IDEMPOTENCY_IN_FLIGHT',
  responseNotKept: 'ERR_IDEMPOTENCY_RESPONSE_NOT_KEPT',
} as const);

/** 400: the route requires an `Idempotency-Key` and the request has none. */
export function keyMissingError(): RampartError {
  return badRequest(
    IDEMPOTENCY_ERROR_CODES.missing,
    'This route requires an Idempotency-Key header: a quoted string of 1 to 255 visible ASCII characters, such as "8e03978e-40d5-43e8-bc93-6894a57f9324".',
  );
}

/** 400: the `Idempotency-Key` header is not one structured-field string of the allowed form. */
export function keyInvalidError(): RampartError {
  return badRequest(
    IDEMPOTENCY_ERROR_CODES.invalid,
    'The Idempotency-Key header must be sent once, as a quoted string of 1 to 255 visible ASCII characters without parameters, such as "8e03978e-40d5-43e8-bc93-6894a57f9324".',
  );
}

/** 422: the key was used by a request with another method, route, principal or body. */
export function keyReusedError(): RampartError {
  return new RampartError({
    status: 422,
    code: IDEMPOTENCY_ERROR_CODES.reused,
    title: 'Unprocessable content',
    detail:
      'This Idempotency-Key was already used for a different request. Retry with the exact same request, or send a new key for a new one.',
  });
}

/**
 * The longest `Retry-After` of a 409 in flight, in seconds. The lease's remaining time is an upper
 * bound (a crashed handler), but the first request usually finishes long before it: a client told
 * to wait out a 60 s lease would wait a minute for an answer kept 50 ms later.
 */
export const MAX_IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/**
 * 409 with `Retry-After`: the first request with this key is still being processed. `Retry-After`
 * is the lease's remaining time, at most {@link MAX_IN_FLIGHT_RETRY_AFTER_SECONDS}.
 */
export function inFlightError(retryAfterMs: number): RampartError {
  const seconds = Math.min(
    MAX_IN_FLIGHT_RETRY_AFTER_SECONDS,
    Math.max(1, Math.ceil(retryAfterMs / 1000)),
  );
  return new RampartError({
    status: 409,
    code: IDEMPOTENCY_ERROR_CODES.inFlight,
    title: 'Conflict',
    detail: `A request with this Idempotency-Key is still being processed. Retry after ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`,
    headers: { 'Retry-After': String(seconds) },
    extensions: { retryAfter: seconds },
  });
}

/**
 * 409 without `Retry-After`: the request was processed, but its response was larger than
 * `maxResponseBytes` and was not kept; retrying will not run it again.
 */
export function responseNotKeptError(): RampartError {
  return new RampartError({
    status: 409,
    code: IDEMPOTENCY_ERROR_CODES.responseNotKept,
    title: 'Conflict',
    detail:
      'The request with this Idempotency-Key was processed, but its response was too large to keep. It will not run again: fetch the result instead of retrying.',
  });
}
