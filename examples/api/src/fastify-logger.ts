import type { FastifyBaseLogger } from 'fastify';

function noop(): void {}

function logError(objOrMessage: unknown, message?: string): void {
  // Fastify and rampartCore log `({ err, … }, 'message')`; print the message and the error.
  const err =
    typeof objOrMessage === 'object' && objOrMessage !== null && 'err' in objOrMessage
      ? objOrMessage.err
      : objOrMessage;
  console.error(`[example-api] ${message ?? 'error'}:`, err);
}

/**
 * Fastify's logger, reduced to what the Express app reports too: the cause of a 5xx, to stderr,
 * for the operator (the client only sees the generic problem). No per-request lines, so the
 * start-up banner stays readable.
 */
export const errorOnlyLogger: FastifyBaseLogger = {
  level: 'error',
  fatal: logError,
  error: logError,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child: () => errorOnlyLogger,
};
