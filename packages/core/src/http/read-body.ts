import type { Readable } from 'node:stream';
import type { HeaderRecord } from './headers.js';
import {
  incompleteBodyError,
  invalidContentLengthError,
  payloadTooLargeError,
} from './problems.js';

/** A plain decimal byte count; `Number('')`, `Number(' 1')` or `Number('0x10')` never see it. */
const DECIMAL = /^[0-9]{1,15}$/;

/**
 * The declared `Content-Length`, `undefined` when absent. Throws a 400 `RampartError`
 * (`ERR_INVALID_CONTENT_LENGTH`) for anything but one plain decimal number (Node's parser
 * refuses most of those first; this does not rely on it).
 */
export function declaredContentLength(headers: HeaderRecord): number | undefined {
  const value = headers['content-length'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) throw invalidContentLengthError();
  return Number(value);
}

/**
 * True when the request carries a body: a `Transfer-Encoding`, or a `Content-Length` above 0.
 * This is the rule HTTP/1.1 framing uses (RFC 9112 §6.3), so a body is never missed.
 */
export function hasBody(headers: HeaderRecord): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = declaredContentLength(headers);
  return length !== undefined && length > 0;
}

/**
 * Reads a request body into one `Buffer`, the exact bytes received. Refuses with a 413
 * `RampartError` as soon as the count passes `limit` (a declared `Content-Length` should be
 * checked first with `declaredContentLength`, so an honest oversized body is refused unread), and
 * with a 400 (`ERR_BODY_INCOMPLETE`) when the client aborts. After a refusal the stream is left
 * to Node, which discards the rest.
 */
export function readBody(stream: Readable, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (stream.readableEnded) {
      // Another body parser ran first; reading now would wait forever.
      reject(new Error('The request body was already read by another middleware.'));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;

    function cleanup(): void {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    }
    function onData(chunk: Buffer | string): void {
      if (typeof chunk === 'string') {
        cleanup();
        reject(new Error('The request stream has an encoding set; bodies must be read as bytes.'));
        return;
      }
      received += chunk.length;
      if (received > limit) {
        cleanup();
        reject(payloadTooLargeError());
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      cleanup();
      // Always a copy: the bytes kept as `rawBody` must not be a view of a buffer Node reuses.
      resolve(Buffer.concat(chunks, received));
    }
    function onError(): void {
      cleanup();
      reject(incompleteBodyError());
    }
    function onClose(): void {
      cleanup();
      reject(incompleteBodyError());
    }

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
