import type { SecurityRequest, SyncAnswer } from '@rampart/core';
import { RampartConfigError, RampartError, syncTwinOf } from '@rampart/core';
import {
  createRequestVerifier,
  isRequestVerifier,
  type RequestVerifier,
  type RequestVerifierOptions,
  type VerifiedSignature,
} from './verifier.js';

/**
 * The body a signature is checked against: the bytes `jsonBody()` / `rampartCore` kept, or a raw
 * body a route parsed as a `Buffer` (`express.raw()`, a Fastify `parseAs: 'buffer'` parser).
 */
export function capturedBody(rawBody: unknown, body: unknown): Uint8Array | undefined {
  if (rawBody instanceof Uint8Array) return rawBody;
  if (body instanceof Uint8Array) return body;
  return undefined;
}

/**
 * A body was parsed but its bytes were not kept: verifying against "no body" would let anyone
 * attach a body to a signed bodiless request. This is the server's misconfiguration, so it is a
 * 500 whose cause is logged, never a silent pass.
 */
export function bodyNotCapturedError(): RampartError {
  return new RampartError({
    status: 500,
    code: 'ERR_SIGNATURE_BODY_NOT_CAPTURED',
    title: 'Internal server error',
    detail: 'The server failed to handle the request.',
    cause: new Error(
      'request-signing: a body was parsed without its raw bytes; use jsonBody() (Express) or rampartCore (Fastify), or a raw Buffer parser, before the signature check',
    ),
  });
}

let warned = false;

/** Adds the captured body to the neutral request, or refuses when it went missing. */
export function withBody(
  request: SecurityRequest,
  rawBody: unknown,
  body: unknown,
): SecurityRequest {
  const bytes = capturedBody(rawBody, body);
  if (bytes !== undefined)
    return bytes === request.rawBody ? request : { ...request, rawBody: bytes };
  if (body !== undefined && body !== null) {
    const error = bodyNotCapturedError();
    // The client only sees a generic 500; the operator must learn why, once.
    if (!warned) {
      warned = true;
      process.emitWarning((error.cause as Error).message, {
        code: 'RAMPART_SIGNATURE_BODY_NOT_CAPTURED',
      });
    }
    throw error;
  }
  return request;
}

/**
 * Verifies through the verifier's synchronous twin when it has one (core's fast-path
 * convention): on the memory store the answer is there at once, with no promise to wait for.
 */
export function verifyNowOrLater(
  verifier: RequestVerifier,
  request: SecurityRequest,
): SyncAnswer<VerifiedSignature> {
  const verifyNow = syncTwinOf(verifier, 'verify');
  return verifyNow === undefined ? verifier.verify(request) : verifyNow.call(verifier, request);
}

/** The `verifier` option, refused at start-up unless it is one `createRequestVerifier` made. */
export function checkedVerifier(verifier: unknown): RequestVerifier {
  if (!isRequestVerifier(verifier)) {
    throw new RampartConfigError(
      'verifier',
      'must be a RequestVerifier made by createRequestVerifier()',
    );
  }
  return verifier;
}

/**
 * The verifier an adapter checks with: the one given as `verifier`, or one made from the options
 * (without the adapter's own, `adapterOptions`). Beside a `verifier`, a verifier option would be
 * ignored without a word, so it is refused at start-up, naming `verifier`.
 */
export function adapterVerifier(
  owner: string,
  options: unknown,
  adapterOptions: readonly string[],
): RequestVerifier {
  if (typeof options !== 'object' || options === null) {
    throw new RampartConfigError(
      owner,
      'options must be an object: { verifier } or the options of createRequestVerifier().',
    );
  }
  const verifierOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (name !== 'verifier' && !adapterOptions.includes(name)) verifierOptions[name] = value;
  }
  if (!('verifier' in options)) {
    return createRequestVerifier(verifierOptions as unknown as RequestVerifierOptions);
  }
  const ignored = Object.keys(verifierOptions);
  if (ignored.length > 0) {
    throw new RampartConfigError(
      'verifier',
      `comes with its own options; ${ignored.join(', ')} would be ignored beside it. Set them in createRequestVerifier().`,
    );
  }
  return checkedVerifier((options as { verifier: unknown }).verifier);
}
