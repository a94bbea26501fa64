/**
 * `@rampart/request-signing/express`: the Express middleware. Imports only types from Express.
 */

import { sendProblem, toSecurityRequest } from '@rampart/core/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { adapterSetup, verifyNowOrLater, withBody } from './server/adapter-helpers.js';
import type {
  RequestVerifier,
  RequestVerifierOptions,
  VerifiedSignature,
} from './server/verifier.js';

/** Options of {@link requestSigning}: a verifier, or the options to create one. */
export type RequestSigningExpressOptions = (
  | { verifier: RequestVerifier }
  | RequestVerifierOptions
) & {
  /** Pass refusals to `next(err)` instead of answering with a problem. Default `false`. */
  forwardErrors?: boolean;
};

/** The Express adapter's own options; the rest are the verifier's. */
const expressShape = {
  forwardErrors: z.boolean({ error: 'must be true or false.' }).default(false),
};

declare global {
  namespace Express {
    interface Request {
      /** Set by `requestSigning()` once the signature verified. */
      signedRequest?: VerifiedSignature;
    }
  }
}

/**
 * Express middleware that lets only correctly signed, fresh, never-seen requests through and
 * sets `req.signedRequest` (`{ scheme, keyId, nonce, signedAt }`). Put it after `jsonBody()`
 * (from `@rampart/core/express`), which keeps the exact body bytes, or after `express.raw()` for
 * a raw body. The client IP its events report is the one `rampartCore()` resolved. Refusals
 * are 401 problem+json (`ERR_SIGNATURE_HEADERS`, `ERR_TIMESTAMP_OUT_OF_RANGE`,
 * `ERR_SIGNATURE_INVALID`, `ERR_NONCE_REPLAYED`); an unreachable nonce store is a 503.
 *
 * @example
 * app.post('/api/v1/entities/:entityId/records', jsonBody(), requestSigning({
 *   getSecrets: staticSigningSecrets({ 'client-a': process.env.CLIENT_A_SECRET! }),
 *   nonceStore: new MemoryNonceStore(),
 * }), handler);
 */
export function requestSigning(options: RequestSigningExpressOptions): RequestHandler {
  const { verifier, settings } = adapterSetup('requestSigning', options, expressShape);
  const { forwardErrors } = settings;

  return function requestSigningMiddleware(req: Request, res: Response, next: NextFunction): void {
    function refuse(error: unknown): void {
      if (forwardErrors) next(error);
      else sendProblem(res, error);
    }
    function onVerified(signature: VerifiedSignature): void {
      req.signedRequest = signature;
      next();
    }
    let result: VerifiedSignature | Promise<VerifiedSignature>;
    try {
      const request = withBody(toSecurityRequest(req), req.rawBody, req.body);
      result = verifyNowOrLater(verifier, request);
    } catch (error) {
      refuse(error);
      return;
    }
    // On the memory store the answer is already here: `next()` without waiting for a microtask.
    if (result instanceof Promise) result.then(onVerified, refuse);
    else onVerified(result);
  };
}

export type { RequestVerifier, RequestVerifierOptions, VerifiedSignature };
