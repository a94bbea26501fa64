import type { HeaderRecord } from '@rampart/core';
import { signatureHeadersError } from './errors.js';

/**
 * The one value of a header the signature depends on, or `undefined` when absent. Sent twice it
 * is refused: which of the two did the signer mean? Longer than `maxLength` it is refused
 * before anything parses it.
 */
export function signatureHeader(
  headers: HeaderRecord,
  name: string,
  maxLength: number,
): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length !== 1) {
      throw signatureHeadersError(`The ${name} header was sent more than once. Send it once.`);
    }
    return checkLength(name, value[0] as string, maxLength);
  }
  return checkLength(name, value, maxLength);
}

function checkLength(name: string, value: string, maxLength: number): string {
  if (value.length > maxLength) {
    throw signatureHeadersError(`The ${name} header is longer than ${maxLength} characters.`);
  }
  return value;
}
