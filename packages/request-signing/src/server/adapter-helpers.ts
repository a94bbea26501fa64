import type { SecurityRequest, SyncAnswer } from '@rampart/core';
import {
  CONFIG_ERROR_CODES,
  parseOptions,
  RampartConfigError,
  RampartError,
  syncTwinOf,
} from '@rampart/core';
import { z } from 'zod';
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
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  return verifier;
}

/** What an adapter is built from: its verifier and its own options, validated. */
export interface AdapterSetup<Settings> {
  verifier: RequestVerifier;
  settings: Settings;
}

/**
 * Splits an adapter's options: its own (the keys of `adapterShape`, parsed with core's
 * `parseOptions` under `owner`) and the verifier's, which make a verifier unless one is given as
 * `verifier`. Beside a `verifier`, a verifier option would be ignored without a word, so it is
 * refused at start-up (`ERR_CONFIG_CONFLICTING_OPTIONS`), naming `verifier`.
 */
export function adapterSetup<Shape extends z.ZodRawShape>(
  owner: string,
  options: unknown,
  adapterShape: Shape,
): AdapterSetup<Readonly<z.output<ReturnType<typeof z.strictObject<Shape>>>>> {
  if (typeof options !== 'object' || options === null) {
    throw new RampartConfigError(
      owner,
      'options must be an object: { verifier } or the options of createRequestVerifier().',
      CONFIG_ERROR_CODES.invalidType,
    );
  }
  const own: Record<string, unknown> = {};
  const verifierOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (Object.hasOwn(adapterShape, name)) own[name] = value;
    else if (name !== 'verifier') verifierOptions[name] = value;
  }
  const settings = parseOptions(owner, z.strictObject(adapterShape), own);
  if (!('verifier' in options)) {
    const verifier = createRequestVerifier(verifierOptions as unknown as RequestVerifierOptions);
    return { verifier, settings };
  }
  const ignored = Object.keys(verifierOptions);
  if (ignored.length > 0) {
    throw new RampartConfigError(
      'verifier',
      `comes with its own options; ${ignored.join(', ')} would be ignored beside it. Set them in createRequestVerifier().`,
      CONFIG_ERROR_CODES.conflictingOptions,
    );
  }
  return { verifier: checkedVerifier((options as { verifier: unknown }).verifier), settings };
}
