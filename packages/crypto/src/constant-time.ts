import { timingSafeEqual } from 'node:crypto';
import { MAX_MAC_TEXT_LENGTH, macTextEquals } from '@rampart/core';

/**
 * True when `a` and `b` hold the same bytes (strings: the same text), in time that depends only
 * on their length, never on where they differ: for every comparison of a secret with what a
 * client sent (a token, a code, a MAC). Two values of different lengths are unequal at once; a
 * length is not the secret. Use fixed-length values (a MAC, a hash) when even the length of a
 * secret must not show.
 *
 * Strings up to 128 characters go through core's `macTextEquals` (no encoding step); longer
 * ones are compared as UTF-8 and then as strings, so two strings that differ only in lone
 * surrogates (which UTF-8 writes alike) are still unequal.
 *
 * @example
 * if (!constantTimeEqual(expectedCode, submittedCode)) refuse();
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a.length !== b.length) return false;
    if (a.length <= MAX_MAC_TEXT_LENGTH) return macTextEquals(a, b);
    const left = Buffer.from(a, 'utf8');
    const right = Buffer.from(b, 'utf8');
    return left.length === right.length && timingSafeEqual(left, right) && a === b;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.byteLength === b.byteLength && timingSafeEqual(a, b);
  }
  throw new TypeError('constantTimeEqual compares two strings or two Uint8Arrays.');
}
