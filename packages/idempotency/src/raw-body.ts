/**
 * The exact body bytes of a request for its fingerprint: `rawBody` as core's `jsonBody()` or
 * `rampartCore` kept them, or none for a request without a body. A body that was parsed but whose
 * bytes were not kept (another body parser ran) cannot be fingerprinted, and re-serialising the
 * parsed value would let two different byte strings count as one request: that is a set-up error,
 * thrown as a plain `Error` (a 500 that says what to fix in the server log).
 */
export function rawBodyOf(rawBody: unknown, parsedBody: unknown): Uint8Array | undefined {
  if (rawBody instanceof Uint8Array) return rawBody;
  if (parsedBody === undefined || parsedBody === null) return undefined;
  throw new Error(
    'idempotency: the body was parsed but its bytes were not kept; use jsonBody() from @rampart/core/express (Express) or register rampartCore from @rampart/core/fastify (Fastify).',
  );
}
