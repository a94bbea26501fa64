/**
 * `@rampart/idempotency/express`: the Express middleware. Imports only types from Express.
 */
import { forwardErrorsSchema, parseOptions, type SyncAnswer, syncTwinOf } from '@rampart/core';
import { sendProblem, toSecurityRequest } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { captureResponse } from './express-capture.js';
import type { Idempotency, IdempotencyLease, IdempotencyStart } from './idempotency.js';
import { IDEMPOTENCY_KEY_HEADER } from './key-header.js';
import { rawBodyOf } from './raw-body.js';
import type { ReplayResponse } from './response.js';

/** Options of {@link idempotent}. */
export interface IdempotentOptions {
  /** What `createIdempotency()` returned. */
  idempotency: Idempotency;
  /** Refuse a request without `Idempotency-Key` (400). Default `false`: such a request just runs. */
  required?: boolean;
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
}

const optionsSchema = z.strictObject({
  idempotency: z.custom<Idempotency>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { begin?: unknown }).begin === 'function',
    'must be what createIdempotency() returned',
  ),
  required: z.boolean({ error: 'must be true or false.' }).default(false),
  forwardErrors: forwardErrorsSchema,
});

/** Sends a kept response again: its status, kept headers and body, `Idempotency-Replayed: true`. */
function sendReplay(res: Response, replay: ReplayResponse): void {
  const headers = new Map<string, string[]>();
  for (const [name, value] of replay.headers) {
    const values = headers.get(name);
    if (values === undefined) headers.set(name, [value]);
    else values.push(value);
  }
  res.statusCode = replay.status;
  for (const [name, values] of headers)
    res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  res.setHeader('Content-Length', Buffer.byteLength(replay.body));
  res.end(replay.body);
}

/**
 * Express middleware for the `Idempotency-Key` header. Put it in the route's own chain, after
 * authentication and after request signing (the signature is checked first, so a forged retry is
 * refused before it can read a kept response), with `jsonBody()` before it:
 * the fingerprint needs the matched route and the exact body bytes. A first request runs and its
 * response is kept; a retry is answered from the store with `Idempotency-Replayed: true`.
 * Refusals are problem+json: 400 `ERR_IDEMPOTENCY_KEY_MISSING` / `ERR_IDEMPOTENCY_KEY_INVALID`,
 * 401 without an auth context, 409 `ERR_IDEMPOTENCY_IN_FLIGHT` (with `Retry-After`), 422
 * `ERR_IDEMPOTENCY_KEY_REUSED`, 503 when the store is unavailable or full.
 *
 * @example
 * app.post('/api/v1/entities/:entityId/records', jsonBody(), authenticate([...]),
 *   requestSigning({ verifier }), idempotent({ idempotency }), createRecord);
 */
export function idempotent(options: IdempotentOptions): RequestHandler {
  const { idempotency, required, forwardErrors } = parseOptions(
    'idempotent',
    optionsSchema,
    options,
  );
  const route = Object.freeze({ required });
  const limit = idempotency.maxResponseBytes;
  // The service's synchronous `begin` (core's fast path): a memory store answers without a promise.
  const beginNow = syncTwinOf(idempotency, 'begin');

  return function idempotentMiddleware(req: Request, res: Response, next: NextFunction): void {
    // Without the header there is nothing to claim: no request view, no promise to wait for.
    if (!required && req.headers[IDEMPOTENCY_KEY_HEADER] === undefined) {
      next();
      return;
    }
    function refuse(error: unknown): void {
      if (forwardErrors) next(error);
      else sendProblem(res, error);
    }
    function onStart(start: IdempotencyStart): void {
      if (start.action === 'replay') {
        sendReplay(res, start.response);
        return;
      }
      if (start.lease !== undefined) captureResponse(res, start.lease, limit);
      next();
    }
    let started: SyncAnswer<IdempotencyStart>;
    try {
      const request = toSecurityRequest(req);
      const rawBody = rawBodyOf(req.rawBody, req.body);
      if (rawBody !== undefined) request.rawBody = rawBody;
      started =
        beginNow === undefined
          ? idempotency.begin(request, req.auth, route)
          : beginNow.call(idempotency, request, req.auth, route);
    } catch (error) {
      refuse(error);
      return;
    }
    if (started instanceof Promise) started.then(onStart, refuse);
    else onStart(started);
  };
}

export type { Idempotency, IdempotencyLease, IdempotencyStart };
